"""The API's documentation page works offline: it is served from the store host with Swagger UI from our own static files."""


def test_the_docs_page_uses_the_bundled_swagger_ui_not_a_cdn(store_a, api):
    response = api("get", store_a, "/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn." not in page and "unpkg" not in page
    assert "/api/openapi.json" in page
