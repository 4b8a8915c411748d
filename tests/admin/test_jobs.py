"""Failed jobs stay listed for the Secretariat, who can queue them again."""

from datetime import timedelta

from sqlalchemy import select

from portal.core.jobs import Job, run_due_jobs
from portal.core.models import now_utc
from portal.extensions import db


def the_job():
    db.session.expire_all()
    return db.session.scalars(select(Job)).one()


def test_an_email_that_failed_for_good_is_listed_and_delivered_once_when_retried(
    app, client, make, sign_in, mailbox
):
    app.config["PORTAL_JOB_MAX_ATTEMPTS"] = 2
    officer = make.secretariat()
    member = make.user()
    mailbox.refuse = True
    app.test_client().post("/auth/reset-password", data={"email": member.email})
    job = the_job()
    assert (job.status, job.attempts) == ("pending", 1)
    job.run_after = now_utc() - timedelta(seconds=1)
    db.session.commit()
    run_due_jobs()
    assert (the_job().status, the_job().attempts) == ("failed", 2)

    sign_in(officer)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Waiting: 0. Failed: 1." in page
    assert "send_email" in page and "Failed" in page
    assert "SMTPDataError: (451" in page
    assert f"/admin/jobs/{job.id}/retry" in page

    mailbox.refuse = False
    assert client.post(f"/admin/jobs/{job.id}/retry").status_code == 302
    assert len(mailbox.to(member.email)) == 1
    assert (the_job().status, the_job().attempts, the_job().last_error) == ("done", 1, None)
    assert run_due_jobs() == 0
    assert "No job is waiting or failed." in client.get("/admin/jobs").get_data(as_text=True)
    # Retrying again is refused: the job is done, and a second email would be a duplicate.
    assert client.post(f"/admin/jobs/{job.id}/retry").status_code == 403
    assert len(mailbox.to(member.email)) == 1


def test_only_a_failed_job_can_be_retried(client, make, sign_in):
    officer = make.secretariat()
    waiting = Job(
        kind="send_email", payload={}, status="pending", run_after=now_utc() + timedelta(hours=1)
    )
    db.session.add(waiting)
    db.session.commit()
    sign_in(officer)
    assert client.post(f"/admin/jobs/{waiting.id}/retry").status_code == 403
    assert client.post("/admin/jobs/999999/retry").status_code == 404
    assert the_job().status == "pending" and the_job().run_after > now_utc()


def test_only_the_secretariat_sees_or_retries_jobs(app, client, make, sign_in):
    contact = make.user(role="point_of_contact")
    failed = Job(kind="send_email", payload={}, status="failed", attempts=8)
    db.session.add(failed)
    db.session.commit()
    sign_in(contact)
    assert client.get("/admin/jobs").status_code == 403
    assert client.post(f"/admin/jobs/{failed.id}/retry").status_code == 403
    assert the_job().status == "failed"
