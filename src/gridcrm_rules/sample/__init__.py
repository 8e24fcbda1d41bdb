"""A bundled, realistic sample data set and generators for tests and benchmarks.

``load_sample()`` returns 60 customers with 24 months of bills, payments,
consumption and incidents, each built from a named *profile* whose expected
credit grade is known (``SampleData.expected``).  ``generate_sample`` rebuilds
it (or another size / seed / date); ``generate_population`` makes large columnar
populations (NumPy, imported lazily) with the same profile mix.
"""

from ._data import DATA_FILES, SampleData, load_sample, render_files
from ._population import EVENT_TYPES, generate_population, population_record
from ._profiles import POPULATION_MIX, PROFILE_VARIANTS, PROFILES, Variant
from ._sample import (
    AS_OF,
    SEED,
    GeneratedSample,
    build_sample,
    cutoff_of,
    events_by_customer,
    generate_sample,
    sample_profiles,
)

__all__ = [
    "AS_OF",
    "DATA_FILES",
    "EVENT_TYPES",
    "POPULATION_MIX",
    "PROFILES",
    "PROFILE_VARIANTS",
    "SEED",
    "GeneratedSample",
    "SampleData",
    "Variant",
    "build_sample",
    "cutoff_of",
    "events_by_customer",
    "generate_population",
    "generate_sample",
    "load_sample",
    "population_record",
    "render_files",
    "sample_profiles",
]
