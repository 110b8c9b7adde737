"""The dashboard's labels read as a person writes them, not as the model's field names."""

from tests.conftest import host_of, sign_in_on


def test_the_settings_form_spells_seo_and_the_social_networks_right(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    page = client.get("/dashboard/settings/", HTTP_HOST=host_of(store_a)).content.decode()
    for label in ("SEO title", "SEO description", "Instagram URL", "Facebook URL", "TikTok URL"):
        assert f">{label}</label>" in page, label
    for wrong in ("Seo title", "Seo description", "Instagram url", "Tiktok url"):
        assert wrong not in page, wrong
