# The timeline's notes as codes with values, shown in the reader's language. Existing events keep their English
# message and show it (an empty list of notes means "show the message"), so no rows are rewritten.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0014_order_list_to_ship_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderevent",
            name="notes",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
