def test_probe(app, client, make, sign_in):
    member = make.user()
    sign_in(member)
    r = client.get("/")
    print("A", r.status_code)
    other = app.test_client()
    r = other.get("/")
    print("B anon", r.status_code, r.headers.get("Location"))
    from flask import g
    print("g keys", list(g))
