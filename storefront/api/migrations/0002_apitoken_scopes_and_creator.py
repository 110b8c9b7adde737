"""API tokens get scopes and a creator; every token made before scopes existed keeps all it could do."""

import django.contrib.postgres.fields
from django.db import migrations, models

# Written out rather than imported: this migration must mean the same thing if the scope list grows later.
SCOPES_BEFORE_SCOPES_EXISTED = ["catalog:read", "catalog:write", "orders:read", "orders:write", "orders:refund"]


def grant_every_scope_to_existing_tokens(apps, schema_editor) -> None:
    """Tokens issued before scopes could do anything on the seller API; keep it so, so no program breaks."""
    ApiToken = apps.get_model("store_api", "ApiToken")
    ApiToken.objects.filter(scopes=[]).update(scopes=SCOPES_BEFORE_SCOPES_EXISTED)


class Migration(migrations.Migration):
    dependencies = [
        ("store_api", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="created_by",
            field=models.EmailField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=32), blank=True, default=list
            ),
        ),
        # Nothing to undo going back: the column goes away with its values.
        migrations.RunPython(grant_every_scope_to_existing_tokens, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(scopes__contained_by=SCOPES_BEFORE_SCOPES_EXISTED),
                name="store_api_apitoken_known_scopes",
            ),
        ),
    ]
