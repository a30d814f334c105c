"""The store's tables (SQLAlchemy Core). The migrations in ``migrations/versions`` create the
same schema; ``tests/io/store`` holds them equal.

Instants are BIGINT seconds since the epoch (UTC), as in the core, so that SQLite and
PostgreSQL compare and index them the same way.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# SQLite makes only an INTEGER PRIMARY KEY an auto-numbered rowid alias.
_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", _SERIAL, primary_key=True, autoincrement=True),  # arrival order
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("ticket_id", sa.Text, nullable=False),
    sa.Column("ts", sa.BigInteger, nullable=False),
    sa.Column("ts_us", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(16), nullable=True),
    sa.Column("public", sa.Boolean, nullable=True),
    sa.Column("fields", sa.JSON, nullable=False),
    # 16 bytes of SHA-256 over the canonical content: tells a duplicate from a conflict
    sa.Column("digest", sa.LargeBinary(16), nullable=False),
    sa.Column("received_at", sa.BigInteger, nullable=False),
    # where it came in (api, api:ndjson, webhook:zendesk, an importer's name); NULL before 0003
    sa.Column("source", sa.Text, nullable=True),
    sa.UniqueConstraint("event_id", name="uq_events_event_id"),
)
sa.Index("ix_events_ticket_id", events.c.ticket_id, events.c.seq)
# the no_data alerts ask for the last arrival of a source: one index look-up
sa.Index("ix_events_source", events.c.source, events.c.received_at)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("id", _SERIAL, primary_key=True, autoincrement=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("row", sa.Integer, nullable=False),
    sa.Column("field", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("raw", sa.JSON, nullable=False),
    sa.Column("received_at", sa.BigInteger, nullable=False),
)

config_versions = sa.Table(
    "config_versions",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("files", sa.JSON, nullable=False),  # file name -> YAML text
    sa.Column("effective_from", sa.BigInteger, nullable=False),
    sa.Column("uploaded_at", sa.BigInteger, nullable=False),
)

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("ticket_id", sa.Text, primary_key=True),
    sa.Column("customer", sa.Text, nullable=True),
    sa.Column("team", sa.Text, nullable=True),
    sa.Column("priority", sa.Text, nullable=True),
    sa.Column("status", sa.Text, nullable=True),
    sa.Column("assignee", sa.Text, nullable=True),
    sa.Column("first_ts", sa.BigInteger, nullable=False),
    sa.Column("last_ts", sa.BigInteger, nullable=False),
    sa.Column("events", sa.Integer, nullable=False),
    sa.Column("computed_at", sa.BigInteger, nullable=False),
    # the instant its records were computed at, kept once here and not in each record: a
    # recompute leaves its unchanged records unwritten (migration 0009; NULL: no records)
    sa.Column("records_as_of", sa.BigInteger, nullable=True),
)
sa.Index("ix_tickets_customer", tickets.c.customer, tickets.c.ticket_id)
# The ticket list's filters and sorts: each column with the list's own order after it, so an
# equality filter reads its tickets in ticket order and a sort walks its index, stopping at
# the page (both lists count only up to a cap, so no read visits every ticket)
LIST_TICKET_COLUMNS = ("team", "priority", "status", "assignee", "first_ts", "last_ts")
for _name in LIST_TICKET_COLUMNS:
    sa.Index(f"ix_tickets_{_name}", tickets.c[_name], tickets.c.ticket_id)
# a customer's tickets, latest first: what a customer's token reads (it always filters by its
# customer), and walking all tickets by update for one customer's is as slow as it is rare
sa.Index("ix_tickets_customer_updated", tickets.c.customer, tickets.c.last_ts, tickets.c.ticket_id)

records = sa.Table(
    "records",
    metadata,
    sa.Column("ticket_id", sa.Text, primary_key=True),
    sa.Column("metric", sa.Text, primary_key=True),
    sa.Column("cycle", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("policy", sa.Text, nullable=True),
    sa.Column("policy_version", sa.Integer, nullable=True),
    sa.Column("calendar", sa.Text, nullable=True),
    sa.Column("priority", sa.Text, nullable=True),
    sa.Column("customer", sa.Text, nullable=True),
    sa.Column("team", sa.Text, nullable=True),
    sa.Column("assignee", sa.Text, nullable=True),
    sa.Column("channel", sa.Text, nullable=True),
    sa.Column("target", sa.BigInteger, nullable=True),
    sa.Column("start", sa.BigInteger, nullable=False),
    sa.Column("stop", sa.BigInteger, nullable=True),
    sa.Column("due", sa.BigInteger, nullable=True),
    sa.Column("breached_at", sa.BigInteger, nullable=True),
    sa.Column("business_elapsed", sa.BigInteger, nullable=False),
    sa.Column("paused_business", sa.BigInteger, nullable=False),
    sa.Column("calendar_elapsed", sa.BigInteger, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("breached_now", sa.Boolean, nullable=False),
    sa.Column("ever_breached", sa.Boolean, nullable=False),
    sa.Column("warnings", sa.JSON, nullable=False),
    sa.Column("explanation", sa.JSON, nullable=False),
    # derived, for the queries: the ticket's current customer (what isolation filters on),
    # whether the clock waits in the at-risk queue (open, with a target), the due instant
    # with "none" sorted last (paused clocks have none), the start month
    sa.Column("ticket_customer", sa.Text, nullable=True),
    sa.Column("queued", sa.Boolean, nullable=False),
    sa.Column("due_sort", sa.BigInteger, nullable=False),
    sa.Column("start_month", sa.String(7), nullable=False),
    # the record's as_of when it is not its ticket's ``records_as_of`` (NULL: the ticket's)
    sa.Column("as_of_apart", sa.BigInteger, nullable=True),
)
sa.Index(
    "ix_records_open_due",
    records.c.queued,
    records.c.due_sort,
    records.c.ticket_id,
    records.c.metric,
    records.c.cycle,
)
# The queue's filters and orders read only these columns: over the open clocks alone (a few
# percent of the stored ones), the working list's counts and sorts read this index, not the
# rows (each holds its explanation). Partial: closed clocks are not in it.
_QUEUE_COVER = (
    records.c.queued,  # first, as in the query: the planner then searches this index too
    records.c.due_sort,
    records.c.ticket_id,
    records.c.metric,
    records.c.cycle,
    records.c.ticket_customer,
    records.c.team,
    records.c.priority,
    records.c.policy,
    records.c.assignee,
    records.c.channel,
    records.c.state,
    records.c.due,
    records.c.start,
)
sa.Index(
    "ix_records_queue_cover",
    *_QUEUE_COVER,
    sqlite_where=records.c.queued.is_(True),
    postgresql_where=records.c.queued.is_(True),
)
# The same for the at-risk queue, over the open clocks alone (partial): each filter and sort
# column, then the queue's order, so an equality filter reads its clocks in due order and a
# sort walks the index, stopping at the page.
LIST_CLOCK_COLUMNS = (
    "ticket_customer",
    "team",
    "priority",
    "metric",
    "policy",
    "assignee",
    "channel",
    "state",
    "start",
)
for _name in LIST_CLOCK_COLUMNS:
    sa.Index(
        f"ix_records_queue_{_name}",
        records.c.queued,
        records.c[_name],
        # the queue's order (metric's own index holds it once)
        *(records.c[c] for c in ("due_sort", "ticket_id", "metric", "cycle") if c != _name),
        sqlite_where=records.c.queued.is_(True),
        postgresql_where=records.c.queued.is_(True),
    )
# The ticket list's clock filters (state, metric, channel, due) ask whether a ticket has such
# a clock: this narrow index answers it without reading the clocks' rows
sa.Index(
    "ix_records_ticket_clock",
    records.c.ticket_id,
    records.c.metric,
    records.c.channel,
    records.c.state,
    records.c.due,
)
sa.Index(
    "ix_records_customer_open_due",
    records.c.ticket_customer,
    records.c.queued,
    records.c.due_sort,
)

# Not in this model: the trigram index of the ticket ids that the search reads (migration
# 0007), an FTS5 table kept by triggers on SQLite (``ticket_search`` and the tables FTS5 makes
# for it) and a pg_trgm expression index on PostgreSQL (``ix_tickets_search``). SQLAlchemy
# describes neither.
UNMODELLED = ("ticket_search", "ix_tickets_search")

# Tickets whose events changed since their records were computed. ``mark`` changes with every
# ingest that touches the ticket, so a recompute only clears the mark it read; ``since`` (the
# ingest's instant) is the first ingest's since the last recompute, and later ones leave it:
# the recompute takes the marks in its order, the longest waiting first.
dirty = sa.Table(
    "dirty",
    metadata,
    sa.Column("ticket_id", sa.Text, primary_key=True),
    sa.Column("mark", sa.BigInteger, nullable=False),
    sa.Column("since", sa.BigInteger, nullable=False, server_default=sa.text("0")),
)
sa.Index("ix_dirty_since", dirty.c.since, dirty.c.ticket_id)

# Tickets whose recompute failed: their mark is cleared (no endless retries of the same
# error), and they wait here, with the error, until a new event or an admin retries them.
failed_tickets = sa.Table(
    "failed_tickets",
    metadata,
    sa.Column("ticket_id", sa.Text, primary_key=True),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("first_failed_at", sa.BigInteger, nullable=False),
    sa.Column("last_failed_at", sa.BigInteger, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),  # SHA-256 hex of the whole token
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("customer", sa.Text, nullable=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("revoked_at", sa.BigInteger, nullable=True),
)

# The alert delivery log: one row per alert ever taken in charge. The unique key is what makes
# "never twice" hold across evaluators and restarts: the first INSERT of a key wins.
alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", _SERIAL, primary_key=True, autoincrement=True),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("rule", sa.Text, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("ticket_id", sa.Text, nullable=True),
    sa.Column("customer", sa.Text, nullable=True),
    sa.Column("metric", sa.Text, nullable=True),
    sa.Column("cycle", sa.Text, nullable=False),
    sa.Column("threshold", sa.Text, nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),  # the threshold instant
    sa.Column("deliver_at", sa.BigInteger, nullable=False),  # later when quiet hours hold it
    sa.Column("channels", sa.JSON, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("figures", sa.JSON, nullable=False),
    sa.Column("link", sa.Text, nullable=True),
    sa.Column("state", sa.String(16), nullable=False),  # held, pending, sent, failed
    sa.Column("next_attempt_at", sa.BigInteger, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("acknowledged_by", sa.Text, nullable=True),
    sa.Column("acknowledged_at", sa.BigInteger, nullable=True),
    sa.Column("snoozed_until", sa.BigInteger, nullable=True),
    # who may read it (isolation): the ticket's current customer for an alert about a ticket,
    # kept current by every move; the alert's own customer otherwise
    sa.Column("owner", sa.Text, nullable=True),
    sa.UniqueConstraint("key", name="uq_alerts_key"),
)
sa.Index("ix_alerts_owner", alerts.c.owner, alerts.c.id)
sa.Index("ix_alerts_ticket_id", alerts.c.ticket_id)
sa.Index("ix_alerts_state", alerts.c.state, alerts.c.next_attempt_at)

# Every attempt of an alert on a channel. The row is written (claimed) before the send and
# finished after it, so two loops cannot both make the same attempt.
alert_attempts = sa.Table(
    "alert_attempts",
    metadata,
    sa.Column("alert_id", sa.BigInteger, sa.ForeignKey("alerts.id"), primary_key=True),
    sa.Column("channel", sa.Text, primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.BigInteger, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=True),  # NULL: in flight (or interrupted)
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("finished_at", sa.BigInteger, nullable=True),
)

# What the alert loop must remember besides the log, one value per key: the band each KPI
# group was last seen in (so a change is alerted once, across restarts and evaluators) and the
# instant the loop first started (the cut-off for old thresholds). Written compare-and-set.
alert_watch = sa.Table(
    "alert_watch",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

# Each ticket's current customer (see accord.core.ownership), written at ingest in the same
# transaction as the events: the customer of the latest event (ts, ts_us, seq) that set one.
# Reads decide isolation by it; tickets.customer, records.ticket_customer and alerts.owner are
# kept equal to it when it changes.
ticket_owners = sa.Table(
    "ticket_owners",
    metadata,
    sa.Column("ticket_id", sa.Text, primary_key=True),
    sa.Column("customer", sa.Text, nullable=True),
    sa.Column("ts", sa.BigInteger, nullable=False),
    sa.Column("ts_us", sa.Integer, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
)

# Every change of a ticket's customer, numbered in commit order (the writers of moves take a
# lock, so no lower number commits after a higher one): what readers that keep figures in
# memory (the records view, the snapshots) ask to learn which tickets left a customer.
ticket_moves = sa.Table(
    "ticket_moves",
    metadata,
    sa.Column("n", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("ticket_id", sa.Text, nullable=False),
    sa.Column("from_customer", sa.Text, nullable=True),
    sa.Column("to_customer", sa.Text, nullable=True),
    sa.Column("seq", sa.BigInteger, nullable=False),  # the event that moved it
    sa.Column("received_at", sa.BigInteger, nullable=False),
)
sa.Index("ix_ticket_moves_from", ticket_moves.c.from_customer, ticket_moves.c.n)
