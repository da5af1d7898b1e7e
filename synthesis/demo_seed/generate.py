# ruff: noqa: E501, SIM905 - tables of synthetic bibliographic data
"""Generate the seed review's search exports (deterministic): `python -m synthesis.demo_seed.generate`.

The seed (shared/seeds/003, Figure 1) searched PubMed/MEDLINE (520 records), Web of Science Core
Collection (380), Scopus (410), Cochrane CENTRAL (60) and trial registers (30). This writes one export
per source in that database's own format, with synthetic but plausible records: 950 journal
publications, of which 420 appear in more than one database (same DOI, PMID and title, so the real
de-duplication merges them), plus 30 ClinicalTrials.gov studies. The 14 included studies are the seed's
references 21-34 (real titles, authors, years, journals, DOIs). `plan.json` says what the demo's reviewers
decide about each publication (keyed by DOI or NCT number); `synthesis.demo` replays those decisions
through the services. The generated files are committed, so `load_demo` never runs this.
"""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "files"
SEED = 2025_10_03

# References 21-34 of the seed: (authors, year, title, journal, volume, issue, pages, doi, group)
INCLUDED = [
    (["Kashbour M", "Abdelmalik A", "Yassin MNA", "Abed M", "Aldieb E", "Abdullah DM"], 2025,
     "Mesenchymal stem cell-based therapy for type 1 & 2 diabetes mellitus patients: a systematic review and "
     "meta-analysis of randomized controlled trials", "Diabetol Metab Syndr", "17", "", "189",
     "10.1186/s13098-025-01619-6", "clinical"),
    (["Nada AH", "Ibrahim IA", "Oteri V", "Shalabi L", "Asar NK", "Aqeilan SR"], 2025,
     "Safety and efficacy of umbilical cord mesenchymal stem cells in the treatment of type 1 and type 2 "
     "diabetes mellitus: a systematic review and meta-analysis", "Expert Rev Endocrinol Metab", "20", "2",
     "107-117", "10.1080/17446651.2025.2457474", "clinical"),
    (["Zang L", "Li Y", "Hao H", "Liu J", "Cheng Y", "Li B"], 2022,
     "Efficacy and safety of umbilical cord-derived mesenchymal stem cells in Chinese adults with type 2 "
     "diabetes: a single-center, double-blinded, randomized, placebo-controlled phase II trial",
     "Stem Cell Res Ther", "13", "1", "180", "10.1186/s13287-022-02848-6", "clinical"),
    (["Lian XF", "Lu DH", "Liu HL", "Liu YJ", "Han XQ", "Yang Y"], 2022,
     "Effectiveness and safety of human umbilical cord-mesenchymal stem cells for treating type 2 diabetes "
     "mellitus", "World J Diabetes", "13", "10", "877-887", "10.4239/wjd.v13.i10.877", "clinical"),
    (["Chin SP", "Kee LT", "Mohd MA", "Then KY"], 2025,
     "Umbilical Cord-Derived Mesenchymal Stem Cells Infusion in Type 2 Diabetes Mellitus Patients: A "
     "Retrospective Cytopeutics' Registry Study", "Diabetes Metab Syndr Obes", "18", "", "1643-1659",
     "10.2147/dmso.S507801", "clinical"),
    (["Jiang R", "Han Z", "Zhuo G", "Qu X", "Li X", "Wang X"], 2011,
     "Transplantation of placenta-derived mesenchymal stem cells in type 2 diabetes: a pilot study",
     "Front Med", "5", "1", "94-100", "10.1007/s11684-011-0116-z", "clinical"),
    (["Sun Y", "Shi H", "Yin S", "Ji C", "Zhang X", "Zhang B"], 2018,
     "Human Mesenchymal Stem Cell Derived Exosomes Alleviate Type 2 Diabetes Mellitus by Reversing "
     "Peripheral Insulin Resistance and Relieving beta-Cell Destruction", "ACS Nano", "12", "8", "7613-7628",
     "10.1021/acsnano.7b07643", "preclinical"),
    (["Yap SK", "Tan KL", "Abd Rahaman NY", "Saulol Hamid NF", "Ooi J", "Tor YS"], 2022,
     "Human Umbilical Cord Mesenchymal Stem Cell-Derived Small Extracellular Vesicles Ameliorated Insulin "
     "Resistance in Type 2 Diabetes Mellitus Rats", "Pharmaceutics", "14", "3", "649",
     "10.3390/pharmaceutics14030649", "preclinical"),
    (["Widyaningsih W", "Putra A", "Priyantini S", "Muhar AM", "Sumarawati T", "Trisnadi S"], 2024,
     "Secretome of Hypoxia-Preconditioned Mesenchymal Stem Cells Ameliorates Hyperglycemia in Type 2 "
     "Diabetes Mellitus Rats", "Trends Sci", "21", "5", "7278", "10.48048/tis.2024.7278", "preclinical"),
    (["Hendrawan S", "Kusnadi Y", "Lagonda CA", "Fauza D", "Lheman J", "Budi E"], 2021,
     "Wound healing potential of human umbilical cord mesenchymal stem cell conditioned medium: An in vitro "
     "and in vivo study in diabetes-induced rats", "Vet World", "14", "8", "2109-2117",
     "10.14202/vetworld.2021.2109-2117", "preclinical"),
    (["Ormazabal V", "Nova-Lampeti E", "Rojas D", "Zuniga FA", "Escudero C", "Lagos P"], 2022,
     "Secretome from Human Mesenchymal Stem Cells-Derived Endothelial Cells Promotes Wound Healing in a "
     "Type-2 Diabetes Mouse Model", "Int J Mol Sci", "23", "2", "941", "10.3390/ijms23020941", "preclinical"),
    (["Yang J", "Chen Z", "Pan D", "Li H", "Shen J"], 2020,
     "Umbilical Cord-Derived Mesenchymal Stem Cell-Derived Exosomes Combined Pluronic F127 Hydrogel Promote "
     "Chronic Diabetic Wound Healing and Complete Skin Regeneration", "Int J Nanomedicine", "15", "",
     "5911-5926", "10.2147/ijn.S249129", "preclinical"),
    (["Wang Y", "Liu J", "Wang H", "Lv S", "Liu Q", "Li S"], 2023,
     "Mesenchymal Stem Cell-Derived Exosomes Ameliorate Diabetic Kidney Disease Through the NLRP3 Signaling "
     "Pathway", "Stem Cells", "41", "4", "368-383", "10.1093/stmcls/sxad010", "preclinical"),
    (["Kim H", "Goh YS", "Park SE", "Hwang J", "Kang N", "Jung JS"], 2023,
     "Preventive Effects of Exosome-Rich Conditioned Medium From Amniotic Membrane-Derived Mesenchymal Stem "
     "Cells for Diabetic Retinopathy in Rats", "Transl Vis Sci Technol", "12", "8", "18",
     "10.1167/tvst.12.8.18", "preclinical"),
]  # fmt: skip

REASONS = [
    "Only bone marrow- or adipose-derived MSCs, no perinatal component",
    "Exclusively in vitro, no diabetic animal model",
    "No diabetes-related outcomes",
    "Review, commentary, conference abstract without full text, or duplicate data",
]
REASON_COUNTS = [25, 20, 15, 12]

SURNAMES = """Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Kim Lee Park Choi
Jung Kang Cho Yoon Tanaka Suzuki Sato Takahashi Watanabe Ito Nakamura Kobayashi Rossi Russo Ferrari Esposito
Bianchi Romano Mueller Schmidt Schneider Fischer Weber Meyer Wagner Becker Garcia Martinez Lopez Sanchez Perez
Gomez Fernandez Silva Santos Oliveira Souza Pereira Costa Smith Johnson Brown Taylor Wilson Davies Evans Thomas
Roberts Walker Patel Sharma Singh Kumar Gupta Das Reddy Nair Ahmed Hassan Ali Mohamed Ibrahim Yilmaz Kaya Demir
Sahin Celik Novak Kowalski Nowak Ivanova Petrov Sokolov Nielsen Hansen Jensen Andersson Johansson Larsen Murphy
Kelly Walsh Hendra Wibowo Santoso Putri Lestari Tan Lim Ng Ong Abdullah Ismail Rahman Hamid""".split()

CELLS = [
    "umbilical cord mesenchymal stem cells",
    "Wharton's jelly mesenchymal stromal cells",
    "placenta-derived mesenchymal stem cells",
    "amniotic membrane stem cells",
    "bone marrow mesenchymal stem cells",
    "adipose-derived stromal cells",
    "umbilical cord blood cells",
    "chorionic villi stromal cells",
    "decidua stromal cells",
    "induced pluripotent stem cell-derived islets",
]
PRODUCTS = [
    "exosomes",
    "small extracellular vesicles",
    "conditioned medium",
    "secretome",
    "microRNA cargo",
    "apoptotic bodies",
    "cell sheets",
    "3D spheroids",
    "hydrogel-embedded cells",
    "lysate",
]
CONDITIONS = [
    "type 2 diabetes",
    "type 1 diabetes",
    "diabetic foot ulcers",
    "diabetic nephropathy",
    "diabetic retinopathy",
    "gestational diabetes",
    "preeclampsia",
    "osteoarthritis",
    "acute myocardial infarction",
    "liver fibrosis",
    "spinal cord injury",
    "ulcerative colitis",
    "COVID-19 pneumonia",
    "premature ovarian insufficiency",
    "bronchopulmonary dysplasia",
    "critical limb ischemia",
    "psoriasis",
    "rheumatoid arthritis",
    "Crohn's disease",
    "stroke",
]
MODELS = [
    "in streptozotocin-induced rats",
    "in db/db mice",
    "in high-fat diet mice",
    "in patients",
    "in a porcine model",
    "in human islets in vitro",
    "in a randomized trial",
    "in a cohort of adults",
    "in children",
    "in older adults",
    "in a rabbit ear model",
    "in non-human primates",
]
ANGLES = [
    "modulates macrophage polarization",
    "targets the PI3K/Akt pathway",
    "improves angiogenesis",
    "reduces oxidative stress",
    "restores autophagy",
    "inhibits pyroptosis",
    "protects beta-cell mass",
    "enhances re-epithelialization",
    "attenuates fibrosis",
    "suppresses NF-kappaB signalling",
    "regulates mitochondrial dynamics",
    "lowers inflammatory cytokines",
    "promotes M2 macrophages",
    "improves endothelial function",
    "reverses insulin resistance",
    "limits ferroptosis",
]
JOURNALS = [
    "Stem Cell Res Ther",
    "Stem Cells Transl Med",
    "J Diabetes Res",
    "Front Endocrinol",
    "Cell Transplant",
    "Cytotherapy",
    "Int J Mol Sci",
    "J Extracell Vesicles",
    "Diabetologia",
    "Biomed Pharmacother",
    "Sci Rep",
    "Front Immunol",
    "Acta Biomater",
    "Theranostics",
    "J Nanobiotechnology",
    "Mol Ther",
    "Diabetes Res Clin Pract",
    "PLoS One",
    "Cells",
    "Stem Cell Rev Rep",
]
OPENERS = ["Background:", "Objective:", "Aims:", "Introduction:"]


def _authors(rng: random.Random, n: int) -> list[tuple[str, str]]:
    return [(rng.choice(SURNAMES), "".join(rng.choice("ABCDEFGHJKLMNPRSTWXY") for _ in range(rng.randint(1, 2))))
            for _ in range(n)]  # fmt: skip


def _publication(rng: random.Random, number: int, title: str, fate: str, **extra) -> dict:
    year = extra.pop("year", rng.randint(2008, 2025))
    first_page = rng.randint(1, 9000)
    return {
        "key": f"10.{rng.choice([1186, 3390, 1016, 1155, 3389, 1002])}/msc.{year}.{number:04d}",
        "pmid": str(30000000 + number * 7919 % 9000000),
        "title": title,
        "authors": _authors(rng, rng.randint(3, 7)),
        "year": year,
        "journal": rng.choice(JOURNALS),
        "volume": str(max(year - 2000, 1)),
        "issue": str(rng.randint(1, 12)),
        "pages": f"{first_page}-{first_page + rng.randint(5, 15)}",
        "abstract": _abstract(rng, title),
        "fate": fate,
        **extra,
    }


def _abstract(rng: random.Random, title: str) -> str:
    return (
        f"{rng.choice(OPENERS)} {title.rstrip('.')} was investigated. Methods: "
        f"{rng.choice(['Forty', 'Twenty-four', 'Sixty', 'Thirty-two', 'Eighteen'])} subjects or animals were "
        f"allocated to treatment or control and followed for {rng.randint(2, 52)} weeks. Results: the treated "
        f"group showed a {rng.randint(10, 60)}% change in the primary outcome (p = 0.0{rng.randint(1, 4)}). "
        "Conclusions: these findings support further controlled studies."
    )


def _titles(rng: random.Random, count: int, cells, conditions, taken: set[str]) -> list[str]:
    titles = []
    while len(titles) < count:
        title = (f"{rng.choice(cells).capitalize()} {rng.choice(PRODUCTS)} {rng.choice(ANGLES)} in "
                 f"{rng.choice(conditions)} {rng.choice(MODELS)}")  # fmt: skip
        if title not in taken:
            taken.add(title)
            titles.append(title)
    return titles


def plan_publications(rng: random.Random) -> list[dict]:
    """950 journal publications and 30 register entries, each with what happens to it."""
    taken: set[str] = set()
    pubs: list[dict] = []
    number = iter(range(1, 10_000))
    for authors, year, title, journal, volume, issue, pages, doi, group in INCLUDED:
        pub = _publication(rng, next(number), title, "included", year=year, group=group)
        pub.update(key=doi, authors=[(a.split()[0], a.split()[-1]) for a in authors], journal=journal,
                   volume=volume, issue=issue, pages=pages)  # fmt: skip
        pubs.append(pub)
    diabetes = CONDITIONS[:5]
    fulltext = [  # (reason, cells, conditions)
        (0, CELLS[4:6], diabetes), (1, CELLS[:4], ["type 2 diabetes"]), (2, CELLS[:4], CONDITIONS[5:8]),
        (3, CELLS[:4], diabetes),
    ]  # fmt: skip
    for (reason, cells, conditions), n in zip(fulltext, REASON_COUNTS, strict=True):
        for title in _titles(rng, n, cells, conditions, taken):
            if reason == 1:
                title = title.rsplit(" in ", 1)[0] + " in cultured human cells"
            if reason == 3:
                title = "A narrative review: " + title
            pubs.append(_publication(rng, next(number), title, "ft_exclude", reason=reason))
    for title in _titles(rng, 2, CELLS[:2], ["type 2 diabetes"], taken):
        pubs.append(_publication(rng, next(number), title, "not_retrieved"))
    for title in _titles(rng, 950 - len(pubs), CELLS, CONDITIONS, taken):
        pubs.append(_publication(rng, next(number), title, "ta_exclude"))
    # Records removed before screening: 12 with incomplete data, 8 non-original materials.
    singles = [p for p in pubs if p["fate"] == "ta_exclude"][-20:]
    for n, pub in enumerate(singles):
        pub["fate"] = "removed_incomplete" if n < 12 else "removed_other"
    for n in range(30):
        condition = ["Type 2 Diabetes", "Type 1 Diabetes", "Diabetic Foot Ulcer", "Diabetic Nephropathy"][
            n % 4
        ]
        cell = ["Umbilical Cord Mesenchymal Stem Cells", "Wharton's Jelly MSC", "Placental MSC",
                "Exosomes From UC-MSC", "Bone Marrow MSC"][n % 5]  # fmt: skip
        pubs.append({
            "key": f"NCT0{4100000 + n * 37307}", "registry": True, "year": 2015 + n % 10,
            "title": f"{cell} in {condition}: Phase {1 + n % 3} Study Number {n + 1} ({['China', 'Indonesia', 'Iran', 'Malaysia', 'Korea', 'India'][n % 6]})",
            "fate": "not_retrieved" if n in (3, 17) else "ta_exclude", "authors": [], "abstract": "",
        })  # fmt: skip
    return pubs


# Which databases hold each journal publication: 80 in three, 260 in two, 610 in one (420 duplicates).
def assign_databases(rng: random.Random, pubs: list[dict]) -> None:
    journal = [p for p in pubs if not p.get("registry")]
    removed = [p for p in journal if p["fate"].startswith("removed")]
    others = [p for p in journal if not p["fate"].startswith("removed")]
    rng.shuffle(others)
    groups = ([("pubmed", "wos", "scopus")] * 80 + [("pubmed", "scopus")] * 100 + [("pubmed", "wos")] * 70
              + [("wos", "scopus")] * 50 + [("pubmed", "central")] * 40)  # fmt: skip
    # 610 in one database (230 PubMed, 180 WoS, 180 Scopus, 20 CENTRAL), the 20 removed among them.
    removed_in = ["scopus"] * 8 + ["wos"] * 4 + ["pubmed"] * 8
    singles = ["pubmed"] * 222 + ["wos"] * 176 + ["scopus"] * 172 + ["central"] * 20
    # Removed records are in one database only (nothing was merged into them).
    for pub, where in zip(others[: len(groups)], groups, strict=True):
        pub["databases"] = list(where)
    rest = others[len(groups) :] + removed
    rng.shuffle(singles)
    for pub, where in zip(rest, singles + removed_in, strict=True):
        pub["databases"] = [where]
    for pub in pubs:
        if pub.get("registry"):
            pub["databases"] = ["ctgov"]


def _incomplete(pub: dict) -> bool:
    return pub["fate"] == "removed_incomplete"


def medline(pubs: list[dict]) -> str:
    out = []
    for p in pubs:
        lines = [f"PMID- {p['pmid']}", "OWN - NLM", "STAT- MEDLINE", f"DP  - {p['year']}"]
        lines += [f"VI  - {p['volume']}", f"IP  - {p['issue']}"] if p["volume"] else []
        lines += _wrap("TI  - ", p["title"])
        lines += [f"PG  - {p['pages']}", f"LID - {p['key']} [doi]"]
        lines += _wrap("AB  - ", p["abstract"]) if p["abstract"] else []
        for surname, initials in p["authors"]:
            lines += [f"FAU - {surname}, {initials}", f"AU  - {surname} {initials}"]
        lines += [
            "LA  - eng",
            "PT  - Journal Article",
            f"TA  - {p['journal']}",
            f"JT  - {p['journal']}",
            f"AID - {p['key']} [doi]",
            f"SO  - {p['journal']}. {p['year']};{p['volume']}:{p['pages']}.",
        ]
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _wrap(tag: str, text: str, width: int = 82) -> list[str]:
    words, lines, line = text.split(), [], tag
    for word in words:
        if len(line) + len(word) + 1 > width and line.strip() != tag.strip():
            lines.append(line)
            line = "      " + word
        else:
            line = line + word if line.endswith("- ") or line == "      " else f"{line} {word}"
    lines.append(line)
    return lines


def wos(pubs: list[dict]) -> str:
    out = ["\ufeffFN Clarivate Analytics Web of Science", "VR 1.0"]
    for n, p in enumerate(pubs):
        first, last = (p["pages"].split("-") + [""])[:2]
        names = [f"{s}, {i}" for s, i in p["authors"]] or ["[Anonymous]"]
        out += ["PT J", "AU " + names[0]] + ["   " + a for a in names[1:]]
        out += ["AF " + names[0]] + ["   " + a for a in names[1:]]
        out += ["TI " + p["title"], "SO " + p["journal"].upper(), "LA English", "DT Article"]
        if p["abstract"]:
            out.append("AB " + p["abstract"])
        out += [f"PY {p['year']}", f"VL {p['volume']}", f"IS {p['issue']}", f"BP {first}"]
        out += [f"EP {last}"] if last else []
        out += [f"DI {p['key']}", f"PM {p['pmid']}", f"UT WOS:000{700000000 + n * 1237:09d}", "ER", ""]
    out.append("EF")
    return "\n".join(out) + "\n"


SCOPUS_HEADER = ["Authors", "Author(s) ID", "Title", "Year", "Source title", "Volume", "Issue", "Art. No.",
                 "Page start", "Page end", "Page count", "Cited by", "DOI", "Link", "Abstract", "Author Keywords",
                 "Index Keywords", "PubMed ID", "Language of Original Document", "Abbreviated Source Title",
                 "Document Type", "Publication Stage", "Open Access", "Source", "EID"]  # fmt: skip


def scopus(pubs: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SCOPUS_HEADER)
    for n, p in enumerate(pubs):
        first, last = (p["pages"].split("-") + [""])[:2]
        incomplete = _incomplete(p)
        authors = "" if incomplete else ", ".join(f"{s} {'.'.join(i)}." for s, i in p["authors"])
        ids = "" if incomplete else ";".join(str(57000000000 + n * 31 + k) for k in range(len(p["authors"])))
        eid = f"2-s2.0-85{100000000 + n * 7:09d}"
        writer.writerow([
            authors, ids, p["title"], "" if incomplete else p["year"], p["journal"], p["volume"], p["issue"], "",
            first, last, "", n % 40, "" if incomplete else p["key"],
            f"https://www.scopus.com/inward/record.uri?eid={eid}&partnerID=40", "" if incomplete else p["abstract"],
            "mesenchymal stem cells; diabetes", "", "" if incomplete else p["pmid"], "English", p["journal"],
            "Erratum" if p["fate"] == "removed_other" else "Article", "Final", "", "Scopus", eid,
        ])  # fmt: skip
    return "\ufeff" + buffer.getvalue()


def central(pubs: list[dict]) -> str:
    out = []
    for n, p in enumerate(pubs):
        first, last = (p["pages"].split("-") + [""])[:2]
        cn = f"CN-0{2100000 + n * 913}"
        lines = ["TY  - JOUR", f"ID  - {cn}"] + [f"AU  - {s}, {i}" for s, i in p["authors"]]
        lines += [f"TI  - {p['title']}", f"JO  - {p['journal']}", f"PY  - {p['year']}", f"VL  - {p['volume']}",
                  f"IS  - {p['issue']}", f"SP  - {first}"] + ([f"EP  - {last}"] if last else [])  # fmt: skip
        lines += ["PT  - Journal Article", "KW  - Mesenchymal Stem Cells", "KW  - Diabetes Mellitus, Type 2"]
        lines += [f"AB  - {p['abstract']}", f"DO  - {p['key']}", f"AN  - PUBMED {p['pmid']}"]
        lines += [f"UR  - https://www.cochranelibrary.com/central/doi/10.1002/central/{cn}/full", "ER  - "]
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


CTGOV_HEADER = ["NCT Number", "Study Title", "Study URL", "Acronym", "Study Status", "Study Results", "Conditions",
                "Interventions", "Primary Outcome Measures", "Sponsor", "Phases", "Enrollment", "Study Type",
                "Start Date", "First Posted"]  # fmt: skip


def ctgov(pubs: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CTGOV_HEADER)
    for n, p in enumerate(pubs):
        writer.writerow([
            p["key"], p["title"], f"https://clinicaltrials.gov/study/{p['key']}", "",
            ["COMPLETED", "RECRUITING", "UNKNOWN", "ACTIVE_NOT_RECRUITING"][n % 4], "NO",
            p["title"].split(" in ")[1].split(":")[0], "BIOLOGICAL: " + p["title"].split(" in ")[0],
            "Change in HbA1c, baseline to 12 months", ["Tianjin Medical University", "Universitas Indonesia",
            "Royan Institute", "Cytopeutics Sdn Bhd"][n % 4], f"PHASE{1 + n % 3}", 20 + n * 3, "INTERVENTIONAL",
            f"{p['year']}-0{1 + n % 9}", f"{p['year']}-0{1 + n % 9}-15",
        ])  # fmt: skip
    return buffer.getvalue()


FILES = {  # source name -> (file name, writer, database key)
    "PubMed/MEDLINE": ("pubmed-perinatal-msc-diabetes.nbib", medline, "pubmed"),
    "Web of Science Core Collection": ("wos-savedrecs.txt", wos, "wos"),
    "Scopus": ("scopus.csv", scopus, "scopus"),
    "Cochrane CENTRAL": ("cochrane-central.ris", central, "central"),
    "ClinicalTrials.gov": ("ctgov-studies.csv", ctgov, "ctgov"),
}


def generate(out: Path = OUT) -> dict[str, int]:
    rng = random.Random(SEED)
    pubs = plan_publications(rng)
    assign_databases(rng, pubs)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (file_name, writer, key) in FILES.items():
        held = [p for p in pubs if key in p["databases"]]
        rng.shuffle(held)
        (out / file_name).write_text(writer(held), encoding="utf-8")
        written[name] = len(held)
    plan = {
        p["key"]: {k: p[k] for k in ("fate", "reason", "group") if k in p} | {"title": p["title"][:80]}
        for p in pubs
    }
    (out / "plan.json").write_text(json.dumps({"reasons": REASONS, "publications": plan}, indent=0) + "\n")
    return written


if __name__ == "__main__":
    print(json.dumps(generate()))
