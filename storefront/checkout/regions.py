"""States, provinces and territories of the countries whose postal addresses need one, for the shipping address."""

from django.core.exceptions import ValidationError

REGIONS: dict[str, dict[str, str]] = {
    "US": {
        "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
        "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
        "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
        "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
        "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
        "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
        "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
        "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
        "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
        "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "AS": "American Samoa", "GU": "Guam",
        "MP": "Northern Mariana Islands", "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
        "AA": "Armed Forces Americas", "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific",
    },
    "CA": {
        "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
        "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories", "NU": "Nunavut",
        "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec", "SK": "Saskatchewan", "YT": "Yukon",
    },
    "AU": {
        "ACT": "Australian Capital Territory", "NSW": "New South Wales", "NT": "Northern Territory",
        "QLD": "Queensland", "SA": "South Australia", "TAS": "Tasmania", "VIC": "Victoria", "WA": "Western Australia",
    },
}  # fmt: skip
# How each country calls them, for the buyer's error message; and the country as a sentence names it.
REGION_WORDS = {"US": "state", "CA": "province or territory", "AU": "state or territory"}
IN_COUNTRY = {"US": "the United States", "CA": "Canada", "AU": "Australia"}


def uses_regions(country: str) -> bool:
    return country.upper() in REGIONS


def normalise_region(country: str, region: str) -> str:
    """The region's code for an address in ``country`` (given as its code or its name, in any case); "" for a
    country whose addresses have none. ValidationError when the country needs one and ``region`` is not one of it."""
    regions = REGIONS.get(country.upper())
    if regions is None:
        # A country without states: whatever a list left selected for another country means nothing here.
        return ""
    wanted = " ".join(region.split()).upper()
    for code, name in regions.items():
        if wanted in (code, name.upper()):
            return code
    word = REGION_WORDS[country.upper()]
    raise ValidationError(f"Choose the {word} of the address.", code="region")
