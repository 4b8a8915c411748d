"""The test harness keeps the requests of different test clients apart, as browsers are."""


def test_a_second_client_is_not_signed_in_by_the_first(app, client, make, sign_in):
    sign_in(make.user())
    assert client.get("/").status_code == 200
    stranger = app.test_client()
    assert stranger.get("/").status_code == 302
