# ruff: noqa: E501  (data: text cells quoted from the seed)
"""What the seed review (shared/seeds/003) extracted from its 14 included studies, as answers to the ready
clinical and preclinical forms: Table 1 (6 clinical studies), Table 2 (8 preclinical) and the Results text.

Only what the seed states is entered; a field the seed is silent on stays blank (the perinatal source of two
secretome studies is "Not reported"). Text cells quote the seed's tables. The seed gives no SDs, SEs or CIs
for HbA1c, so the HbA1c outcome rows carry clearly marked illustrative spreads (see ILLUSTRATIVE) -- so that
extraction -> meta-analysis -> forest plot -> report can be shown end to end -- and nothing else is made up.
"""

from __future__ import annotations

TABLE1_TITLE = "Table 1. Clinical studies of perinatal MSCs in type 1 and type 2 diabetes mellitus"
TABLE1_COLUMNS = [
    "study.design",
    "population.population_summary",
    "intervention.msc_source",
    "intervention.regimen",
    "follow_up.main_outcomes",
    "follow_up.result_summary",
]
TABLE2_TITLE = (
    "Table 2. Preclinical studies of perinatal cell-free MSC derivatives in diabetes and its complications"
)
TABLE2_COLUMNS = [
    "study.design",
    "study.population_summary",
    "product.product_type",
    "product.perinatal_source",
    "outcomes.main_outcomes",
    "outcomes.result_summary",
]

# The review's outcomes (extraction.OutcomeMeasure): name, key, data type, unit, time points.
OUTCOMES = [
    ("HbA1c", "hba1c", "continuous", "%", ["end of follow-up"]),
    ("Daily insulin dose", "insulin_dose", "continuous", "IU/day", ["6 months"]),
]

ILLUSTRATIVE = "illustrative: not reported in the seed"
_SD_RULE = f"SD 1.0 % per arm is {ILLUSTRATIVE}"

# --- Table 1: clinical studies (form "Clinical study") -------------------------------------------------

CLINICAL: dict[str, dict] = {
    "Kashbour 2025": {
        "study": {"design": "meta_analysis"},
        "meta_analysis": {
            "n_trials": 13,
            "n_participants": 507,
            "n_t1dm": 199,
            "n_t2dm": 308,
            "msc_sources": "MSCs from various sources, including umbilical cord",
            "pooled_effects": "HbA1c −0.72 percentage points vs standard therapy; daily insulin dose ≈ −14.5 "
            "units/day (Table 1); C-peptide increased; no significant change in fasting glycaemia; serious "
            "adverse events as frequent as in the control group",
        },
        "population": {
            "diabetes_type": ["t1dm", "t2dm"],
            "population_summary": "Patients with T1DM and T2DM (13 RCTs, n = 507; 199 T1DM, 308 T2DM)",
            "n_total": 507,
        },
        "intervention": {"msc_source": "various"},
        "follow_up": {
            "main_outcomes": "HbA1c, C-peptide, daily insulin dose, fasting glycemia, AEs",
            "result_summary": "MSC therapy reduces HbA1c by about 0.72 percentage points, decreases insulin "
            "dose by ≈ 14.5 units/day and increases C-peptide without an increase in the rate of serious AEs",
        },
        "safety": {
            "ae_nature": "Mild or moderate and self-limiting (hypoglycemic episodes in the context of insulin "
            "dose reduction, transient local reactions)",
            "sae_nature": "Frequency of serious adverse events did not differ from the control group",
        },
        "arms": [
            {"label": "MSC therapy", "role": "experimental"},
            {"label": "Standard therapy", "role": "control"},
        ],
        "outcome_timepoints": [],
    },
    "Nada 2025": {
        "study": {"design": "meta_analysis"},
        "meta_analysis": {
            "n_trials": 8,
            "n_participants": 334,
            "msc_sources": "Umbilical cord MSCs (UC-MSCs) only",
            "pooled_effects": "HbA1c −1.06 percentage points; insulin requirements reduced (especially in "
            "T1DM); C-peptide increased; no serious adverse events related to the intervention",
            "subgroups": "Reduction in insulin requirements more pronounced in T1DM",
        },
        "population": {
            "diabetes_type": ["t1dm", "t2dm"],
            "population_summary": "Patients with T1DM and T2DM (8 RCTs, n = 334; 172/162)",
            "n_total": 334,
        },
        "intervention": {"msc_source": "umbilical_cord"},
        "follow_up": {
            "main_outcomes": "HbA1c, C-peptide, daily insulin dose, AEs",
            "result_summary": "UC-MSCs reduce HbA1c by about 1.06 percentage points, decrease insulin "
            "requirements (especially in T1DM); no serious AEs were reported",
        },
        "safety": {
            "ae_nature": "Overall incidence of adverse events did not differ from the control",
            "sae_nature": "No serious adverse events related to the intervention were identified",
        },
        "arms": [
            {"label": "UC-MSC", "role": "experimental", "n_randomised": 172},
            {"label": "Control", "role": "control", "n_randomised": 162},
        ],
        "outcome_timepoints": [],
    },
    "Zang 2022": {
        "study": {
            "design": "rct",
            "blinding": "double",
            "placebo_controlled": True,
            "country": "China",
            "centres": 1,
            "control_group": "placebo",
        },
        "population": {
            "diabetes_type": ["t2dm"],
            "insulin_dependent": True,
            "population_summary": "Adults with insulin-dependent T2DM (n = 91: 61 UC-MSC, 30 placebo)",
            "n_total": 91,
        },
        "intervention": {
            "msc_source": "umbilical_cord",
            "dose_per_infusion": 1,
            "n_infusions": 3,
            "interval": 4,
            "regimen": "3 i.v. infusions of 1×10^6 cells/kg at 4-week intervals",
            "route": "iv",
        },
        "follow_up": {
            "duration": 12,
            "main_outcomes": "HbA1c, daily insulin dose, insulin resistance (euglycemic clamp)",
            "result_summary": "In the UC-MSC group, HbA1c < 7% and ≥ 50% reduction in insulin dose were more "
            "often achieved (20% vs 4.6%); HbA1c decreased by ~ −1.3% vs −0.6% in the placebo group; "
            "improvement in insulin resistance; no serious AEs",
        },
        "safety": {
            "any_ae": True,
            "ae_nature": "Most side effects were mild and transient",
            "sae_nature": "No serious adverse events were recorded",
        },
        "arms": [
            {"label": "UC-MSC", "role": "experimental", "n_randomised": 61},
            {"label": "Placebo", "role": "control", "n_randomised": 30},
        ],
        "outcome_timepoints": [
            {"outcome": "hba1c", "time_point": "12 months"},
            {"outcome": "insulin_dose", "time_point": "12 months"},
        ],
    },
    "Lian 2022": {
        "study": {"design": "single_arm", "blinding": "open", "control_group": "none"},
        "population": {
            "diabetes_type": ["t2dm"],
            "population_summary": "Patients with T2DM (n = 16)",
            "n_total": 16,
        },
        "intervention": {
            "msc_source": "umbilical_cord",
            "dose_per_infusion": 1,
            "n_infusions": 3,
            "interval": 1,
            "regimen": "3 weekly i.v. infusions of 1×10^6 cells/kg",
            "route": "iv",
        },
        "follow_up": {
            "duration": 12,
            "main_outcomes": "Glycemia, HbA1c, HOMA-β, doses of glucose-lowering drugs",
            "result_summary": "After three infusions of hUC-MSCs, a decrease in glycemia and HbA1c, improvement "
            "of HOMA-β and reduction of doses of glucose-lowering drugs were observed in some patients; no "
            "serious adverse events were recorded",
        },
        "safety": {"sae_nature": "No serious adverse events were recorded"},
        "arms": [{"label": "hUC-MSC", "role": "experimental", "n_randomised": 16}],
        "outcome_timepoints": [],
    },
    "Chin 2025": {
        "study": {"design": "retrospective", "control_group": "none"},
        "population": {
            "diabetes_type": ["t2dm"],
            "population_summary": "Patients with T2DM (n = 218; subgroup n = 83 with 12-month follow-up)",
            "n_total": 218,
        },
        "intervention": {
            "msc_source": "umbilical_cord",
            "donor": "allogeneic",
            "n_infusions": 1,
            "regimen": "Single i.v. infusion of 50–100 × 10^6 cells",
            "route": "iv",
        },
        "follow_up": {
            "duration": 12,
            "main_outcomes": "HbA1c, insulin resistance indices (insulin, HOMA-IR), lipid profile, liver and "
            "kidney function, inflammatory markers",
            "result_summary": "At 6 and 12 months, a decrease in HbA1c, improvement in insulin resistance and "
            "lipid profile, reduction in inflammatory markers, and improvement in liver and kidney tests were "
            "observed; no serious adverse events related to UC-MSC infusion were identified",
        },
        "safety": {"sae_nature": "No serious adverse events related to UC-MSC infusion were identified"},
        "arms": [{"label": "UC-MSC", "role": "experimental", "n_randomised": 218}],
        "outcome_timepoints": [
            {"outcome": "hba1c", "time_point": "6 months"},
            {"outcome": "hba1c", "time_point": "12 months"},
            {"outcome": "homa_ir", "time_point": "6 months"},
            {"outcome": "homa_ir", "time_point": "12 months"},
        ],
    },
    "Jiang 2011": {
        "study": {"design": "pilot", "blinding": "open", "control_group": "none"},
        "population": {
            "diabetes_type": ["t2dm"],
            "insulin_dependent": True,
            "population_summary": "Patients with severe insulin-dependent T2DM (n = 10)",
            "n_total": 10,
        },
        "baseline": {"hba1c": 9.8, "insulin_dose": 63.7},
        "intervention": {
            "msc_source": "placenta",
            "n_infusions": 3,
            "regimen": "3 i.v. infusions ~1–1.5 × 10^6 cells/kg at 1-month intervals",
            "route": "iv",
        },
        "follow_up": {
            "duration": 6,
            "hba1c": 6.7,
            "insulin_dose": 34.7,
            "main_outcomes": "HbA1c, C-peptide, daily insulin dose",
            "result_summary": "Daily insulin dose decreased from 63.7 ± 18.7 to 34.7 ± 13.4 units/day "
            "(p < 0.01), in 4/10 patients by more than 50%; HbA1c decreased from ~9.8 to ~6.7%, C-peptide "
            "increased; no serious AEs or organ toxicity were detected",
        },
        "safety": {"sae_nature": "No serious AEs or organ toxicity were detected"},
        "arms": [{"label": "Placental MSC", "role": "experimental", "n_randomised": 10}],
        "outcome_timepoints": [
            {"outcome": "hba1c", "time_point": "6 months"},
            {"outcome": "insulin_dose", "time_point": "6 months", "reported_as": "mean_sd"},
            {"outcome": "c_peptide", "time_point": "6 months"},
        ],
    },
}

# Outcome data ("@outcomes" rows): only where the seed gives numbers; every spread it does not give is
# marked illustrative in the row's note (the analysis title says "illustrative data" too).
OUTCOME_DATA: dict[str, list[dict]] = {
    "Zang 2022": [
        {
            "outcome": "hba1c",
            "time_point": "end of follow-up",
            "measure": "change",
            "arms": {
                "UC-MSC": {"n": 61, "mean": -1.3, "sd": 1.0},
                "Placebo": {"n": 30, "mean": -0.6, "sd": 1.0},
            },
            "note": f"Change at 12 months, −1.3 % vs −0.6 % (seed); {_SD_RULE}.",
        }
    ],
    "Kashbour 2025": [
        {
            "outcome": "hba1c",
            "time_point": "end of follow-up",
            "measure": "mean_difference",
            "values": {"estimate": -0.72, "se": 0.089},
            "note": "Pooled MD −0.72 percentage points (seed); SE 0.089 is "
            f"{ILLUSTRATIVE} (SD 1.0 % per arm, 507 participants split equally).",
        }
    ],
    "Nada 2025": [
        {
            "outcome": "hba1c",
            "time_point": "end of follow-up",
            "measure": "mean_difference",
            "values": {"estimate": -1.06, "se": 0.11},
            "note": f"Pooled MD −1.06 percentage points (seed); SE 0.11 is {ILLUSTRATIVE} (SD 1.0 % per arm, "
            "172 vs 162 participants).",
        }
    ],
    "Jiang 2011": [
        {
            "outcome": "hba1c",
            "time_point": "end of follow-up",
            "measure": "final",
            "arms": {"Placental MSC": {"n": 10, "mean": 6.7, "sd": 1.0}},
            "note": f"~9.8 % at baseline, ~6.7 % at 6 months (seed); single arm; {_SD_RULE}.",
        },
        {
            "outcome": "insulin_dose",
            "time_point": "6 months",
            "measure": "final",
            "arms": {"Placental MSC": {"n": 10, "mean": 34.7, "sd": 13.4}},
            "note": "63.7 ± 18.7 IU/day at baseline, 34.7 ± 13.4 at 6 months (seed), p < 0.01; single arm.",
        },
    ],
}

# --- Table 2: preclinical studies (form "Preclinical study") -------------------------------------------

PRECLINICAL: dict[str, dict] = {
    "Sun 2018": {
        "study": {
            "design": "in_vivo",
            "species": "rat",
            "model": "t2dm_induced",
            "population_summary": "Rats with induced type 2 diabetes",
        },
        "product": {
            "product_type": "exosomes",
            "perinatal_source": "umbilical_cord",
            "species_of_origin": True,
        },
        "outcomes": {
            "metabolic": ["glycaemia", "gtt", "insulin_resistance"],
            "organ": ["pancreas"],
            "main_outcomes": "Glycemia, glucose tolerance test, IRS-1/PI3K/Akt signaling, GLUT4 "
            "expression/translocation, β-cell apoptosis",
            "result_summary": "UC-MSC exosomes reduce glycemia, improve glucose tolerance and insulin "
            "sensitivity, restore IRS-1/Akt signaling, enhance GLUT4 translocation, and protect β-cells from "
            "apoptosis",
        },
        "mechanisms": {
            "pathways": "IRS-1/PI3K/Akt signalling restored; GLUT4 translocation; β-cell protection"
        },
    },
    "Yap 2022": {
        "study": {
            "design": "in_vivo",
            "species": "rat",
            "model": "t2dm_induced",
            "population_summary": "Rats with a type 2 diabetes model",
        },
        "product": {"product_type": "sev", "perinatal_source": "umbilical_cord", "species_of_origin": True},
        "outcomes": {
            "metabolic": ["glycaemia", "hba1c", "insulin_resistance"],
            "organ": ["pancreas", "liver"],
            "main_outcomes": "HbA1c, glycemia, insulin resistance, morphology of the pancreas, liver, and "
            "kidneys",
            "result_summary": "UC-MSC sEV improve insulin resistance, decrease HbA1c and glycemia, and normalize "
            "the histological structure of the pancreas and target organs without signs of hepato- or "
            "nephrotoxicity",
            "toxicity": "No signs of hepato- or nephrotoxicity",
        },
    },
    "Widyaningsih 2024": {
        "study": {
            "design": "in_vivo",
            "species": "rat",
            "model": "t2dm_induced",
            "population_summary": "Rats with a type 2 diabetes model",
        },
        "product": {"product_type": "secretome", "perinatal_source": "nr", "preconditioning": "hypoxia"},
        "outcomes": {
            "metabolic": ["glycaemia"],
            "organ": ["pancreas", "liver"],
            "main_outcomes": "Glycemia, markers of oxidative stress and inflammation, histology of the pancreas "
            "and liver",
            "result_summary": "MSC secretome reduces hyperglycemia, decreases oxidative stress and inflammation "
            "(reduced IL-6 and shift of macrophages toward the M2 phenotype (CD163)), and improves the "
            "histological picture of the pancreas and liver",
        },
        "mechanisms": {
            "pathways": "Reduced IL-6; shift of macrophages toward the M2 phenotype (CD163)",
            "inflammation": True,
            "oxidative_stress": True,
        },
    },
    "Hendrawan 2021": {
        "study": {
            "design": "in_vitro_in_vivo",
            "species": "rat",
            "model": "wound",
            "population_summary": "Cell models and animals with diabetic wounds",
            "cell_models": "Cell models (in vitro part of the study)",
        },
        "product": {
            "product_type": "conditioned_medium",
            "perinatal_source": "umbilical_cord",
            "species_of_origin": True,
        },
        "outcomes": {
            "organ": ["wound_closure", "epithelialisation"],
            "main_outcomes": "Wound healing rate, epithelialization, collagen formation",
            "result_summary": "hUC-MSC conditioned medium accelerates healing of diabetic wounds, improves "
            "epithelialization and collagen formation, confirming the therapeutic potential of the secretome",
            "toxicity": "No signs of local or systemic toxicity",
        },
    },
    "Ormazabal 2022": {
        "study": {
            "design": "in_vivo",
            "species": "mouse",
            "model": "wound",
            "population_summary": "Mice with type 2 diabetes and diabetic wounds",
        },
        "product": {"product_type": "secretome", "perinatal_source": "nr"},
        "outcomes": {
            "organ": ["wound_closure", "angiogenesis"],
            "main_outcomes": "Wound healing rate, vascular density, tissue perfusion",
            "result_summary": "Secretome of endothelial MSC derivatives accelerates wound closure, enhances "
            "angiogenesis, and improves microvascular perfusion under diabetic conditions",
        },
        "mechanisms": {
            "pathways": "Secretome of endothelial cells differentiated from MSCs, enriched with angiogenic "
            "factors (VEGF-C, Ang-1/Ang-2, FGF-7, MMP-9)"
        },
    },
    "Yang 2020": {
        "study": {
            "design": "in_vivo",
            "species": "rat",
            "model": "wound",
            "population_summary": "Rats with chronic diabetic wounds",
        },
        "product": {
            "product_type": "exosomes",
            "perinatal_source": "umbilical_cord",
            "species_of_origin": True,
            "carrier": "PF-127 gel (thermosensitive Pluronic F127 hydrogel)",
        },
        "outcomes": {
            "organ": ["wound_closure", "angiogenesis"],
            "main_outcomes": "Wound closure rate, structure of granulation tissue, inflammatory markers",
            "result_summary": "Combination of hUC-MSC exos + PF-127 gel significantly accelerates healing of "
            "diabetic wounds, improves the quality of granulation tissue, and reduces the level of "
            "inflammation",
        },
        "mechanisms": {"inflammation": True},
    },
    "Wang 2023": {
        "study": {
            "design": "in_vitro_in_vivo",
            "species": "mouse",
            "model": "nephropathy",
            "population_summary": "Mouse models of diabetic kidney disease (DKD) and cell models",
            "cell_models": "Cell models: decreased apoptosis and inflammatory signaling",
        },
        "product": {
            "product_type": "exosomes",
            "perinatal_source": "umbilical_cord",
            "species_of_origin": True,
        },
        "outcomes": {
            "organ": ["renal"],
            "main_outcomes": "Proteinuria, renal function parameters, inflammatory and fibrotic markers, NLRP3 "
            "inflammasome",
            "result_summary": "hUC-MSC-Exo attenuate manifestations of DKD, reduce inflammation and activation "
            "of the NLRP3 inflammasome, protect renal tissue, and reduce fibrosis",
        },
        "mechanisms": {"pathways": "Suppression of NLRP3 inflammasome activation", "inflammation": True},
    },
    "Kim 2023": {
        "study": {
            "design": "in_vivo",
            "species": "rat",
            "model": "retinopathy",
            "population_summary": "Rats with diabetic retinopathy (preventive model)",
        },
        "product": {"product_type": "ercm", "perinatal_source": "amniotic_membrane"},
        "dosing": {"route": "other", "regimen": "Subconjunctival administration (preventive)"},
        "outcomes": {
            "organ": ["retinal"],
            "main_outcomes": "Vascular permeability, inflammatory markers, retinal morphology",
            "result_summary": "ERCM from amniotic stem cells prevents or alleviates the development of signs of "
            "diabetic retinopathy, reduces inflammation and vascular permeability in the retina",
        },
        "mechanisms": {"inflammation": True},
    },
}

# Where the two demo reviewers read the seed differently (each reading is in the seed), and the value their
# consensus settled on: (study, "section.field", reviewer 2's value, the settled value or None = reviewer 1's).
DIFFERENCES = [
    (
        "Kashbour 2025",
        "meta_analysis.pooled_effects",
        "HbA1c −0.72 percentage points vs standard therapy; daily insulin dose ≈ −14.6 IU/day (Results text); "
        "C-peptide increased; no significant change in fasting glycaemia; serious adverse events as frequent "
        "as in the control group",
        "HbA1c −0.72 percentage points vs standard therapy; daily insulin dose −14.5 units/day in Table 1, "
        "≈ −14.6 IU/day in the Results text; C-peptide increased; no significant change in fasting glycaemia; "
        "serious adverse events as frequent as in the control group",
    ),
    ("Hendrawan 2021", "study.design", "in_vivo", None),
]
CONSENSUS_NOTE = "Consensus meeting: checked against Tables 1 and 2 and the Results text of the seed."
