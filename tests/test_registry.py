import pytest

from geotools.registry import load_registry, normalise


def test_registry_has_27_units_with_official_names():
    reg = load_registry()
    assert len(reg.regions) == 27
    assert reg.name("UA-23") == "Zaporizhzhia Oblast"
    assert reg.name("UA-51") == "Odesa Oblast"
    assert reg.regions["UA-30"].name_uk == "Київ"


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("Odessa Oblast", "UA-51"),
        ("Odesa", "UA-51"),
        ("Zaporizhia Oblast", "UA-23"),
        ("zaporozhye", "UA-23"),
        ("Kiev", "UA-30"),
        ("Kyiv Oblast", "UA-32"),
        ("Donetsk", "UA-14"),
        ("Донецька область", "UA-14"),
        ("Khmel'nyts'kyy", "UA-68"),
        ("ua-14", "UA-14"),
        ("Sevastopol", "UA-40"),
        ("Autonomous Republic of Crimea", "UA-43"),
        ("Narnia", None),
    ],
)
def test_lookup_variants(spelling, code):
    assert load_registry().lookup(spelling) == code


def test_normalise():
    assert normalise("  Ivano-Frankivs’k  Oblast ") == "ivano frankivsk oblast"
