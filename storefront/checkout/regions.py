"""States, provinces and territories of the countries whose postal addresses need one, for the shipping address;
and the other parts of a Chinese address (district, mobile number)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

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
    # Mainland China's provinces, autonomous regions and municipalities (ISO 3166-2:CN); Hong Kong, Macao and
    # Taiwan have country codes of their own (HK, MO, TW) and addresses without them.
    "CN": {
        "AH": "Anhui", "BJ": "Beijing", "CQ": "Chongqing", "FJ": "Fujian", "GD": "Guangdong", "GS": "Gansu",
        "GX": "Guangxi", "GZ": "Guizhou", "HA": "Henan", "HB": "Hubei", "HE": "Hebei", "HI": "Hainan",
        "HL": "Heilongjiang", "HN": "Hunan", "JL": "Jilin", "JS": "Jiangsu", "JX": "Jiangxi", "LN": "Liaoning",
        "NM": "Inner Mongolia", "NX": "Ningxia", "QH": "Qinghai", "SC": "Sichuan", "SD": "Shandong",
        "SH": "Shanghai", "SN": "Shaanxi", "SX": "Shanxi", "TJ": "Tianjin", "XJ": "Xinjiang", "XZ": "Tibet",
        "YN": "Yunnan", "ZJ": "Zhejiang",
    },
}  # fmt: skip
# The names people in China write them with, so an address typed or sent in Chinese ("广东省") is understood.
CHINESE_NAMES = {
    "AH": "安徽", "BJ": "北京", "CQ": "重庆", "FJ": "福建", "GD": "广东", "GS": "甘肃", "GX": "广西", "GZ": "贵州",
    "HA": "河南", "HB": "湖北", "HE": "河北", "HI": "海南", "HL": "黑龙江", "HN": "湖南", "JL": "吉林", "JS": "江苏",
    "JX": "江西", "LN": "辽宁", "NM": "内蒙古", "NX": "宁夏", "QH": "青海", "SC": "四川", "SD": "山东", "SH": "上海",
    "SN": "陕西", "SX": "山西", "TJ": "天津", "XJ": "新疆", "XZ": "西藏", "YN": "云南", "ZJ": "浙江",
}  # fmt: skip
# What a Chinese name may end with: province, city (the municipalities), autonomous region (with its people's name).
_CHINESE_SUFFIX = re.compile(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)$")
# The refusal of a region not in a country's list, in the words each country uses for its regions: whole sentences,
# so each translates as one.
REGION_CHOICE_MESSAGES = {
    "US": gettext_lazy("Choose the state of the address."),
    "CA": gettext_lazy("Choose the province or territory of the address."),
    "AU": gettext_lazy("Choose the state or territory of the address."),
    "CN": gettext_lazy("Choose the province, autonomous region or municipality of the address."),
}
# The country as a sentence names it.
IN_COUNTRY = {
    "US": gettext_lazy("the United States"),
    "CA": gettext_lazy("Canada"),
    "AU": gettext_lazy("Australia"),
    "CN": gettext_lazy("China"),
}


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
    if country.upper() == "CN":
        bare = _CHINESE_SUFFIX.sub("", wanted.replace(" ", ""))
        for code, name in CHINESE_NAMES.items():
            if bare == name:
                return code
    raise ValidationError(str(REGION_CHOICE_MESSAGES[country.upper()]), code="region")


# A mainland Chinese mobile number: 11 digits starting with 1, optionally written after +86 or 86.
_CHINESE_MOBILE = re.compile(r"(?:\+?86)?(1\d{10})")


def normalise_chinese_mobile(number: str) -> str:
    """The 11-digit mobile number in ``number`` (spaces, hyphens and a +86 prefix allowed); ValidationError else."""
    match = _CHINESE_MOBILE.fullmatch(re.sub(r"[\s-]", "", number))
    if match is None:
        raise ValidationError(
            gettext("Enter a mobile number of 11 digits starting with 1, e.g. 138 0013 8000."), code="phone"
        )
    return match.group(1)
