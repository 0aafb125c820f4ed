-- pgbench script: the physical ceiling of a submission on PostgreSQL — one transaction that
-- inserts one dossier-sized row into bench_scratch (created by bench/lib.sh) and commits, so each
-- transaction waits for its WAL flush (synchronous_commit on; concurrent commits share flushes).
BEGIN;
INSERT INTO bench_scratch (id, code, lookup_secret, procedure_code, agency_code, applicant_id, state,
                           channel, form_data, version, submitted_at, created_at, updated_at)
VALUES (gen_random_uuid(), 'H25-' || gen_random_uuid(), 'ABCDEF', '9.999001', 'H25', gen_random_uuid(),
        'submitted', 'online', '{"address":"Thôn 3, xã Đông Sơn","copies":1}', 2, now(), now(), now());
COMMIT;
