"""Messages become conversations: one thread per buyer's email, and every existing message moved into its thread."""

import secrets

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models

import storefront.inbox.models


def group_messages_into_conversations(apps, schema_editor):
    """One conversation per address (any case), named and titled by its first message; handled if all were."""
    # Checked now, not at commit: the ALTER TABLE below refuses to run with foreign-key checks still pending.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Conversation = apps.get_model("inbox", "Conversation")
    ContactMessage = apps.get_model("inbox", "ContactMessage")
    threads: dict[str, list] = {}
    for message in ContactMessage.objects.order_by("created_at", "id"):
        threads.setdefault(message.email.lower(), []).append(message)
    for messages in threads.values():
        first, last = messages[0], messages[-1]
        all_handled = all(message.handled_at is not None for message in messages)
        conversation = Conversation.objects.create(
            email=first.email,
            name=first.name,
            subject=first.subject,
            link_key=secrets.token_urlsafe(24),
            last_message_at=last.created_at,
            last_buyer_message_at=last.created_at,
            # A message the seller marked handled was read.
            seller_read_at=last.handled_at if all_handled else None,
            handled_at=last.handled_at if all_handled else None,
            handled_by=last.handled_by if all_handled else "",
        )
        # auto_now_add set it to now: the thread began with its first message.
        Conversation.objects.filter(pk=conversation.pk).update(created_at=first.created_at)
        ContactMessage.objects.filter(pk__in=[message.pk for message in messages]).update(conversation=conversation)


def split_conversations_into_messages(apps, schema_editor):
    """Going back: each message carries its thread's handled state again."""
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Conversation = apps.get_model("inbox", "Conversation")
    ContactMessage = apps.get_model("inbox", "ContactMessage")
    ContactMessage.objects.filter(author="seller").delete()
    for conversation in Conversation.objects.all():
        ContactMessage.objects.filter(conversation=conversation).update(
            handled_at=conversation.handled_at, handled_by=conversation.handled_by
        )


class Migration(migrations.Migration):
    dependencies = [("inbox", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Conversation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email", models.EmailField(max_length=254)),
                ("name", models.CharField(max_length=100)),
                ("subject", models.CharField(max_length=200)),
                ("link_key", models.CharField(default=storefront.inbox.models.new_link_key, max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("last_message_at", models.DateTimeField()),
                ("last_buyer_message_at", models.DateTimeField(blank=True, null=True)),
                ("last_seller_message_at", models.DateTimeField(blank=True, null=True)),
                ("seller_read_at", models.DateTimeField(blank=True, null=True)),
                ("handled_at", models.DateTimeField(blank=True, null=True)),
                ("handled_by", models.CharField(blank=True, max_length=254)),
            ],
            options={
                "ordering": ["-last_message_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("email"), name="inbox_one_conversation_per_email"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="contactmessage",
            name="conversation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="messages",
                to="inbox.conversation",
            ),
        ),
        migrations.AddField(
            model_name="contactmessage",
            name="author",
            field=models.CharField(choices=[("buyer", "Buyer"), ("seller", "Seller")], default="buyer", max_length=6),
        ),
        migrations.AddField(
            model_name="contactmessage", name="sent_by", field=models.CharField(blank=True, max_length=254)
        ),
        migrations.AddField(
            model_name="contactmessage", name="emailed_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AlterField(model_name="contactmessage", name="name", field=models.CharField(blank=True, max_length=100)),
        migrations.AlterField(model_name="contactmessage", name="email", field=models.EmailField(blank=True, max_length=254)),
        migrations.AlterField(
            model_name="contactmessage", name="subject", field=models.CharField(blank=True, max_length=200)
        ),
        migrations.RunPython(group_messages_into_conversations, split_conversations_into_messages),
        migrations.AlterField(
            model_name="contactmessage",
            name="conversation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="messages", to="inbox.conversation"
            ),
        ),
        migrations.RemoveField(model_name="contactmessage", name="handled_at"),
        migrations.RemoveField(model_name="contactmessage", name="handled_by"),
    ]
