"""The review database's one schema, as numbered migrations for SQLite and PostgreSQL.

Migration N is applied once and recorded in ``schema_migrations``; both dialects get the same
tables and columns. Every table is append-only: triggers refuse UPDATE and DELETE, so corrections
are new rows and the log is the training signal and the audit trail at once.

Tables:
  decisions   who, when, the suggestion as shown (``shown``: JSON), final code, reason, model versions
  encounters  coded encounters kept for review: tenant, note text, the coding result (JSON)
  audit       every access: coding calls, reads and writes of the review surfaces (HTTP, gRPC, CLI),
              exports, refusals included, with the identity that made it (server/review/audit.py)
  purges      each retention purge: when, by whom, the cutoff, how many encounters it removed
  storage_probe  scratch rows the storage probe writes and removes to learn that writes work again

  tenant_usage   bytes of stored encounters per tenant (note text plus result): what the storage
                 quota counts, kept in the transaction that stores or purges (one row read per
                 call, not a sum over the tenant's encounters); ``encounters.stored_bytes`` is
                 each row's share

The one exception to append-only: a stored encounter (it holds the note text) may be deleted once
a purge recorded in ``purges`` has a cutoff after the time it was coded (the retention policy,
``MEDCODER_REVIEW_RETENTION_DAYS``). Decisions and audit rows stay: they hold codes, offsets and
coders' reasons, not the note text.
"""
from __future__ import annotations

_DECISIONS_COLUMNS = """
        decision_id     TEXT PRIMARY KEY,
        recorded_at     TEXT NOT NULL,
        coder_id        TEXT NOT NULL,
        tenant_id       TEXT NOT NULL DEFAULT '',
        encounter_id    TEXT NOT NULL,
        suggestion_id   TEXT NOT NULL DEFAULT '',
        action          TEXT NOT NULL CHECK (action IN ('accept','modify','reject','add')),
        system          TEXT NOT NULL,
        suggested_code  TEXT NOT NULL DEFAULT '',
        final_code      TEXT NOT NULL DEFAULT '',
        reason          TEXT NOT NULL DEFAULT '',
        evidence_start  INTEGER,
        evidence_end    INTEGER,
        model_versions  TEXT NOT NULL DEFAULT '{}'
"""

_ENCOUNTERS = """
    CREATE TABLE encounters (
        encounter_id    TEXT PRIMARY KEY,
        tenant_id       TEXT NOT NULL,
        coded_at        TEXT NOT NULL,
        doc_id          TEXT NOT NULL DEFAULT '',
        setting         TEXT NOT NULL DEFAULT '',
        specialty       TEXT NOT NULL DEFAULT '',
        n_suggestions   INTEGER NOT NULL DEFAULT 0,
        text            TEXT NOT NULL,
        result          TEXT NOT NULL
    );
    CREATE INDEX encounters_tenant ON encounters (tenant_id, coded_at);
    CREATE TABLE audit (
        audit_id        TEXT PRIMARY KEY,
        at              TEXT NOT NULL,
        channel         TEXT NOT NULL,
        actor           TEXT NOT NULL,
        tenant_id       TEXT NOT NULL DEFAULT '',
        action          TEXT NOT NULL,
        object          TEXT NOT NULL DEFAULT '',
        outcome         TEXT NOT NULL
    );
    CREATE INDEX audit_at ON audit (at);
    ALTER TABLE decisions ADD COLUMN shown TEXT NOT NULL DEFAULT '{}';
"""


def _sqlite_append_only(table: str) -> str:
    return "".join(f"""
    CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;""" for verb in ("update", "delete"))


def _pg_append_only(table: str) -> str:
    return f"""
    CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION medcoder_append_only();"""


SQLITE: tuple[str, ...] = (
    # 1: the lead's original decision log (kept byte-for-byte so existing files need no rewrite)
    f"""
    CREATE TABLE decisions ({_DECISIONS_COLUMNS});
    CREATE INDEX decisions_encounter ON decisions (encounter_id);
    CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decision log is append-only'); END;
    CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decision log is append-only'); END;
    """,
    # 2: stored encounters, the audit trail, the suggestion as shown
    _ENCOUNTERS + _sqlite_append_only("encounters") + _sqlite_append_only("audit"),
)

POSTGRES: tuple[str, ...] = (
    f"""
    CREATE OR REPLACE FUNCTION medcoder_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'decision log is append-only (% on %)', TG_OP, TG_TABLE_NAME; END;
    $$ LANGUAGE plpgsql;
    CREATE TABLE decisions ({_DECISIONS_COLUMNS});
    CREATE INDEX decisions_encounter ON decisions (encounter_id);
    """ + _pg_append_only("decisions"),
    _ENCOUNTERS + _pg_append_only("encounters") + _pg_append_only("audit"),
)


_PURGES = """
    CREATE TABLE purges (
        purge_id        TEXT PRIMARY KEY,
        at              TEXT NOT NULL,
        actor           TEXT NOT NULL,
        cutoff          TEXT NOT NULL,
        encounters      INTEGER NOT NULL
    );
"""
_PURGE_REFUSED = "encounters is append-only: only a recorded purge removes encounters coded before its cutoff"

SQLITE += (
    # 3: retention; an encounter coded before the latest recorded purge cutoff may be deleted
    _PURGES + _sqlite_append_only("purges") + f"""
    DROP TRIGGER encounters_no_delete;
    CREATE TRIGGER encounters_no_delete BEFORE DELETE ON encounters
        WHEN OLD.coded_at >= COALESCE((SELECT MAX(cutoff) FROM purges), '')
        BEGIN SELECT RAISE(ABORT, '{_PURGE_REFUSED}'); END;
    """,
)

POSTGRES += (
    _PURGES + _pg_append_only("purges") + f"""
    CREATE OR REPLACE FUNCTION medcoder_encounters_guard() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND OLD.coded_at < (SELECT MAX(cutoff) FROM purges) THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION '{_PURGE_REFUSED} (% on %)', TG_OP, TG_TABLE_NAME;
        END;
    $$ LANGUAGE plpgsql;
    DROP TRIGGER encounters_append_only ON encounters;
    CREATE TRIGGER encounters_append_only BEFORE UPDATE OR DELETE ON encounters
        FOR EACH ROW EXECUTE FUNCTION medcoder_encounters_guard();
    """,
)


_PROBE_AND_SIZES = """
    ALTER TABLE encounters ADD COLUMN stored_bytes {bigint} NOT NULL DEFAULT 0;
    CREATE TABLE tenant_usage (
        tenant_id       TEXT PRIMARY KEY,
        stored_bytes    {bigint} NOT NULL DEFAULT 0
    );
    CREATE TABLE storage_probe (
        at              TEXT NOT NULL,
        filler          {blob} NOT NULL
    );
"""
_USAGE_OF_EXISTING = """
    INSERT INTO tenant_usage (tenant_id, stored_bytes)
        SELECT tenant_id, SUM(stored_bytes) FROM encounters GROUP BY tenant_id;
"""

SQLITE += (
    # 4: per-tenant storage quota (sizes of stored encounters, usage per tenant) and the storage probe's table;
    # existing rows get their sizes once, with the no-update trigger lifted for that statement
    _PROBE_AND_SIZES.format(bigint="INTEGER", blob="BLOB") + """
    DROP TRIGGER encounters_no_update;
    UPDATE encounters SET stored_bytes = length(CAST(text AS BLOB)) + length(CAST(result AS BLOB));
    CREATE TRIGGER encounters_no_update BEFORE UPDATE ON encounters
        BEGIN SELECT RAISE(ABORT, 'encounters is append-only'); END;
    """ + _USAGE_OF_EXISTING,
)

POSTGRES += (
    _PROBE_AND_SIZES.format(bigint="BIGINT", blob="BYTEA") + """
    ALTER TABLE encounters DISABLE TRIGGER encounters_append_only;
    UPDATE encounters SET stored_bytes = octet_length(text) + octet_length(result);
    ALTER TABLE encounters ENABLE TRIGGER encounters_append_only;
    """ + _USAGE_OF_EXISTING,
)


def migrations(dialect: str) -> tuple[str, ...]:
    return {"sqlite": SQLITE, "postgres": POSTGRES}[dialect]


# 5: the access audit trail (server/review/audit.py): how the caller was identified (token, mtls,
# dev, session, cli), its role, its network peer and the call's request id, on the same audit table
_AUDIT_IDENTITY = """
    ALTER TABLE audit ADD COLUMN auth TEXT NOT NULL DEFAULT '';
    ALTER TABLE audit ADD COLUMN role TEXT NOT NULL DEFAULT '';
    ALTER TABLE audit ADD COLUMN peer TEXT NOT NULL DEFAULT '';
    ALTER TABLE audit ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
    CREATE INDEX audit_tenant_at ON audit (tenant_id, at);
"""
SQLITE += (_AUDIT_IDENTITY,)
POSTGRES += (_AUDIT_IDENTITY,)


# 6: denials that teach (server/review/denials.py). Claims scored here (ids, payer, the edit kinds and
# codes the risk model reads: no patient data), imported 835 remittances (one row per file and tenant,
# so a file imported twice is refused, and each CLP once per payer, check and status), their CAS
# adjustments and SVC lines, and the per-payer risk models fitted from them. All append-only.
_DENIALS = """
    CREATE TABLE scored_claims (
        score_id        TEXT PRIMARY KEY,
        tenant_id       TEXT NOT NULL,
        claim_id        TEXT NOT NULL,
        payer           TEXT NOT NULL DEFAULT '',
        scored_at       TEXT NOT NULL,
        denial_risk     DOUBLE PRECISION NOT NULL,
        weights_risk    DOUBLE PRECISION NOT NULL,
        risk_model      TEXT NOT NULL DEFAULT '',
        edits           TEXT NOT NULL DEFAULT '[]',
        codes           TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX scored_claims_claim ON scored_claims (tenant_id, claim_id, scored_at);
    CREATE TABLE remittances (
        remit_id        TEXT PRIMARY KEY,
        tenant_id       TEXT NOT NULL,
        imported_at     TEXT NOT NULL,
        actor           TEXT NOT NULL DEFAULT '',
        digest          TEXT NOT NULL,
        payers          TEXT NOT NULL DEFAULT '',
        claims          INTEGER NOT NULL,
        adjustments     INTEGER NOT NULL,
        UNIQUE (tenant_id, digest)
    );
    CREATE TABLE remit_claims (
        remit_claim_id  TEXT PRIMARY KEY,
        remit_id        TEXT NOT NULL,
        tenant_id       TEXT NOT NULL,
        payer           TEXT NOT NULL,
        check_number    TEXT NOT NULL DEFAULT '',
        paid_date       TEXT NOT NULL DEFAULT '',
        claim_id        TEXT NOT NULL,
        payer_claim_id  TEXT NOT NULL DEFAULT '',
        status          TEXT NOT NULL,
        charge          DOUBLE PRECISION NOT NULL,
        paid            DOUBLE PRECISION NOT NULL,
        patient_resp    DOUBLE PRECISION NOT NULL DEFAULT 0,
        denied          INTEGER NOT NULL,
        rarcs           TEXT NOT NULL DEFAULT '',
        score_id        TEXT NOT NULL DEFAULT '',
        UNIQUE (tenant_id, payer, check_number, claim_id, payer_claim_id, status)
    );
    CREATE INDEX remit_claims_claim ON remit_claims (tenant_id, claim_id);
    CREATE TABLE remit_adjustments (
        remit_claim_id  TEXT NOT NULL,
        seq             INTEGER NOT NULL,
        line            INTEGER NOT NULL,
        group_code      TEXT NOT NULL,
        carc            TEXT NOT NULL,
        amount          DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (remit_claim_id, seq)
    );
    CREATE TABLE remit_lines (
        remit_claim_id  TEXT NOT NULL,
        line            INTEGER NOT NULL,
        code            TEXT NOT NULL,
        modifiers       TEXT NOT NULL DEFAULT '',
        charge          DOUBLE PRECISION NOT NULL,
        paid            DOUBLE PRECISION NOT NULL,
        units           DOUBLE PRECISION NOT NULL,
        rarcs           TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (remit_claim_id, line)
    );
    CREATE TABLE risk_models (
        model_id        TEXT PRIMARY KEY,
        tenant_id       TEXT NOT NULL,
        payer           TEXT NOT NULL,
        fitted_at       TEXT NOT NULL,
        claims          INTEGER NOT NULL,
        denied          INTEGER NOT NULL,
        auc_model       DOUBLE PRECISION,
        auc_weights     DOUBLE PRECISION,
        model           TEXT NOT NULL
    );
    CREATE INDEX risk_models_payer ON risk_models (tenant_id, payer, fitted_at);
"""
_DENIAL_TABLES = ("scored_claims", "remittances", "remit_claims", "remit_adjustments", "remit_lines", "risk_models")
SQLITE += (_DENIALS + "".join(_sqlite_append_only(t) for t in _DENIAL_TABLES),)
POSTGRES += (_DENIALS + "".join(_pg_append_only(t) for t in _DENIAL_TABLES),)
