"""Pages a store never edited get the buyer-facing default text instead of the old notes to the seller, and the
menu's Contact entry goes to the contact form (which shows the Contact page's text) rather than the bare page."""

from django.db import migrations

# The texts as this migration was written; later changes to the defaults in themes.services don't belong here.
OLD_TO_NEW = {
    "about": (
        "<p>Tell your customers who you are and what you make.</p>",
        "<p>We are an independent store selling on Mercato. Every product has its own page with its details, its "
        "price and whether it is in stock.</p>"
        '<p>A question about an item or an order? <a href="/contact/">Write to us</a> and we will answer by '
        "email.</p>",
    ),
    "shipping-returns": (
        "<p>Explain where you ship, how long it takes and how returns work.</p>",
        "<h2>Shipping</h2>"
        "<p>We ship to the countries you can choose at checkout. The shipping methods for your address and their "
        "prices are shown at checkout, before you pay.</p>"
        "<p>When your order is on its way we email you the carrier and the tracking number, with a link to follow "
        "the parcel where the carrier has one.</p>"
        "<h2>Returns</h2>"
        "<p>Open your order from the link in its confirmation email: once it has been sent, its page lets you ask "
        'to return items and says until when you can. For anything else, <a href="/contact/">write to us</a>.</p>',
    ),
    "contact": (
        "<p>How customers can reach you.</p>",
        "<p>Write to us with this form and we will answer you by email.</p>",
    ),
}


def forwards(apps, schema_editor):
    Page = apps.get_model("themes", "Page")
    NavigationLink = apps.get_model("themes", "NavigationLink")
    for slug, (old, new) in OLD_TO_NEW.items():
        Page.objects.filter(slug=slug, body=old).update(body=new)
    NavigationLink.objects.filter(page__slug="contact").update(page=None, url="/contact/")


class Migration(migrations.Migration):
    dependencies = [("themes", "0003_store_timezone")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
