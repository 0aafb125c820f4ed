-- pgbench script: the physical ceiling of a public lookup on PostgreSQL — one primary-key
-- (unique code) SELECT of a dossier-sized row from bench_scratch (20,000 rows, created by
-- bench/lib.sh), the query a lookup makes, without the HTTP around it.
\set n random(1, 20000)
SELECT id, code, lookup_secret, agency_code, state, submitted_at FROM bench_scratch WHERE code = 'SCRATCH-' || :n;
