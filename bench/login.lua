-- wrk script: sign in as the demo administrator (successful logins: argon2id verification,
-- a refresh-token insert and a JWT per request).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"admin@demo.motcua.vn","password":"Motcua-Demo-2026!"}'
