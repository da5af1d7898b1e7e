"""Risk of bias: RoB 2, ROBINS-I and SYRCLE assessments (a Django app labelled ``rob``).

The tools and their published algorithms are pure Python in ``extraction.rob.tools`` (no Django imports).
"""
