"""Owners invite staff by email with a role; the link works once and expires; owners remove staff."""

import re
from datetime import timedelta

from django.utils import timezone

from tenants.models import Invitation, Membership
from tenants.services import invite_staff
from tests.conftest import add_member, host_of, make_user, sign_in_on, wait_for_email


def test_an_invitation_is_emailed_and_its_link_adds_the_person_once(
    client, store_a, owner_a, celery_worker, django_capture_on_commit_callbacks
):
    sign_in_on(client, owner_a, store_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/dashboard/staff/", {"email": "New.Hire@Example.com", "role": "manager"}, HTTP_HOST=host_of(store_a)
        )
    assert response.status_code == 302
    email = wait_for_email(celery_worker, to="new.hire@example.com", subject="invited to help run Alpha Outfitters")
    assert "join Alpha Outfitters as manager" in email
    link = re.search(r"http://alpha\.localhost:8000(/dashboard/invitations/[\w-]+/)", email).group(1)

    client.logout()
    accepted = client.post(link, {"password": "a fresh passphrase 99"}, HTTP_HOST=host_of(store_a))
    assert accepted.status_code == 302 and accepted["Location"] == "/dashboard/"
    assert Membership.objects.get(store=store_a, user__email="new.hire@example.com").role == "manager"
    assert client.get("/dashboard/settings/", HTTP_HOST=host_of(store_a)).status_code == 200

    client.logout()
    again = client.post(link, {"password": "a fresh passphrase 99"}, HTTP_HOST=host_of(store_a))
    assert again.status_code == 410


def test_an_expired_invitation_does_not_work(client, store_a, owner_a):
    invitation, token = invite_staff(store=store_a, email="late@example.com", role="staff", invited_by=owner_a)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(
        f"/dashboard/invitations/{token}/", {"password": "whatever pass 1"}, HTTP_HOST=host_of(store_a)
    )
    assert response.status_code == 410
    assert "It has expired or was already accepted" in response.content.decode()
    assert not Membership.objects.filter(user__email="late@example.com").exists()


def test_an_invitation_of_one_store_does_not_work_on_another(client, store_a, store_b, owner_a):
    _, token = invite_staff(store=store_a, email="x@example.com", role="staff", invited_by=owner_a)
    response = client.post(
        f"/dashboard/invitations/{token}/", {"password": "whatever pass 1"}, HTTP_HOST=host_of(store_b)
    )
    assert response.status_code == 410
    assert not Membership.objects.filter(user__email="x@example.com").exists()


def test_an_existing_account_must_give_its_own_password_to_accept(client, store_a, owner_a):
    make_user("known@example.com")
    _, token = invite_staff(store=store_a, email="known@example.com", role="staff", invited_by=owner_a)
    response = client.post(
        f"/dashboard/invitations/{token}/", {"password": "not it at all"}, HTTP_HOST=host_of(store_a)
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(user__email="known@example.com").exists()


def test_inviting_a_current_member_is_refused(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    response = client.post(
        "/dashboard/staff/", {"email": "owner@alpha.test", "role": "staff"}, HTTP_HOST=host_of(store_a)
    )
    assert response.status_code == 400
    assert "owner@alpha.test is already on this store&#x27;s staff." in response.content.decode()


def test_the_owner_removes_staff_and_their_access_ends(client, store_a, owner_a):
    helper = make_user("helper@alpha.test")
    membership = add_member(store_a, helper, "staff")
    sign_in_on(client, owner_a, store_a)
    assert client.post(f"/dashboard/staff/{membership.pk}/remove/", HTTP_HOST=host_of(store_a)).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    sign_in_on(client, helper, store_a)
    assert client.get("/dashboard/", HTTP_HOST=host_of(store_a)).status_code == 403


def test_an_owner_cannot_remove_staff_of_another_store(client, store_a, store_b, owner_a):
    other = add_member(store_b, make_user("beta-staff@example.com"), "staff")
    sign_in_on(client, owner_a, store_a)
    assert client.post(f"/dashboard/staff/{other.pk}/remove/", HTTP_HOST=host_of(store_a)).status_code == 404
    assert Membership.objects.filter(pk=other.pk).exists()
