"""The register's tables (登记本). Personal data lives only in `*_enc` columns, sealed by
store.crypto with the row's `uuid` as part of the associated data; `*_bidx` columns hold
blind indexes for exact lookups. Plain columns hold only what queries need.

The TUI never touches these models: it calls store operations.
"""

from __future__ import annotations

import uuid as uuid_module

import peewee as pw

from store.database import UtcDateTimeField, database


def new_uuid() -> str:
    return uuid_module.uuid4().hex


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class SealedModel(BaseModel):
    """A table with personal data: a stable uuid bound into every ciphertext, the id of the
    data key its fields are sealed with (so a rotation knows what is left to do), and a MAC
    over its sealed fields and blind indexes as stored (store.row_macs).

    Every write of those columns must give the row its new MAC (store.row_macs.stamp, or
    .save/.create there): a save, UPDATE or INSERT that changes them without it is refused
    here, before it reaches the database, so no write path can forget it."""

    uuid = pw.CharField(max_length=32, unique=True, default=new_uuid)
    key_id = pw.SmallIntegerField(index=True)
    #: MAC over the row's MAC_COLUMNS (store.row_macs); NULL only on a row written before
    #: its table had one (schema version 8 for person, 9 for the others) and not yet given it.
    row_mac = pw.CharField(max_length=64, null=True)

    #: Plain columns covered by the row MAC besides the sealed ones and the blind indexes.
    _row_mac_extra: tuple[str, ...] = ()

    def save(self, force_insert: bool = False, only=None):
        _refuse_unstamped_save(self, force_insert, only)
        return super().save(force_insert=force_insert, only=only)

    @classmethod
    def update(cls, __data=None, **update):
        query = super().update(__data, **update)
        _refuse_unstamped_columns(cls, [f.name for f in query._update if isinstance(f, pw.Field)])
        return query

    @classmethod
    def insert(cls, __data=None, **insert):
        query = super().insert(__data, **insert)
        given = query._insert if isinstance(query._insert, dict) else {}
        if given.get(cls.row_mac) is None:
            _refuse(cls)
        return query

    @classmethod
    def insert_many(cls, rows, fields=None):
        names = [f if isinstance(f, str) else f.name for f in fields or ()]
        if not names:  # rows of dicts
            rows = list(rows)
            names = list(rows[0]) if rows and isinstance(rows[0], dict) else []
        if "row_mac" not in names:
            _refuse(cls)
        return super().insert_many(rows, fields=fields)


# --- the register itself -------------------------------------------------------------


class RegisterMeta(BaseModel):
    """Key–value facts about the register: schema version, register id, hall name and code."""

    key = pw.CharField(max_length=64, primary_key=True)
    value = pw.TextField()


class Setting(BaseModel):
    """A hall's settings that every counter shares: its policy overrides (TOML)."""

    key = pw.CharField(max_length=64, primary_key=True)
    value = pw.TextField()
    updated_at = UtcDateTimeField()


class CalendarYear(BaseModel):
    """工作日历 — a year imported from the State Council's notice (the text of the file)."""

    year = pw.IntegerField(primary_key=True)
    source_text = pw.TextField()
    imported_at = UtcDateTimeField()
    imported_by = pw.IntegerField(null=True)


class Counter(BaseModel):
    """The last number handed out per prefix and day (案件号, 投诉号 …)."""

    prefix = pw.CharField(max_length=16)
    day = pw.DateField()
    value = pw.IntegerField(default=0)

    class Meta:
        primary_key = pw.CompositeKey("prefix", "day")


# --- staff, windows, posts -----------------------------------------------------------


class Window(BaseModel):
    """窗口 — a line of business at the counter."""

    code = pw.CharField(max_length=32, unique=True)
    name = pw.CharField(max_length=64)
    phone = pw.CharField(max_length=32, default="")  # the window's office phone, not personal
    description = pw.TextField(default="")
    active = pw.BooleanField(default=True)


class Staff(SealedModel):
    """工作人员 — roles: clerk, supervisor, complaint_officer, technician, admin."""

    number = pw.CharField(max_length=32, unique=True)  # 工号
    name_enc = pw.BlobField()
    name_bidx = pw.CharField(max_length=32, index=True)
    phone_enc = pw.BlobField(null=True)
    role = pw.CharField(max_length=24, index=True)
    window = pw.ForeignKeyField(Window, null=True, backref="staff", on_delete="RESTRICT")
    active = pw.BooleanField(default=True)
    failed_logins = pw.IntegerField(default=0)
    locked_until = UtcDateTimeField(null=True)
    must_change_password = pw.BooleanField(default=False)
    created_at = UtcDateTimeField()
    password_changed_at = UtcDateTimeField(null=True)


class Post(BaseModel):
    """AB岗 — the A and B post of a window and who holds each."""

    window = pw.ForeignKeyField(Window, backref="posts", on_delete="CASCADE")
    post = pw.CharField(max_length=1)  # "A" or "B"
    staff = pw.ForeignKeyField(Staff, null=True, backref="posts", on_delete="SET NULL")

    class Meta:
        indexes = ((("window", "post"), True),)


# --- keys ----------------------------------------------------------------------------


class DataKey(BaseModel):
    """A version of the data key: only its id and state; the key itself is in slots."""

    key_id = pw.SmallIntegerField(primary_key=True)
    state = pw.CharField(max_length=16)  # active | retiring | retired
    created_at = UtcDateTimeField()
    retired_at = UtcDateTimeField(null=True)


class KeySlot(BaseModel):
    """密钥槽 — one per staff member with data access, plus the recovery slot."""

    uuid = pw.CharField(max_length=32, unique=True, default=new_uuid)
    kind = pw.CharField(max_length=16)  # staff | recovery
    staff = pw.ForeignKeyField(Staff, null=True, unique=True, backref="slot", on_delete="CASCADE")
    kdf = pw.CharField(max_length=16, default="argon2id")
    kdf_memory_kib = pw.IntegerField()
    kdf_iterations = pw.IntegerField()
    kdf_lanes = pw.IntegerField()
    salt = pw.BlobField()
    public_key = pw.BlobField()
    sealed_private = pw.BlobField()
    created_at = UtcDateTimeField()
    #: The audit chain's head at this slot's last login, MACed with a key from the slot's
    #: private key (store.witness): JSON {count, last_mac, mac}; None before its first.
    witness = pw.TextField(null=True)


class SlotKey(BaseModel):
    """A data key version wrapped for one slot. A technician's slot has none."""

    slot = pw.ForeignKeyField(KeySlot, backref="keys", on_delete="CASCADE")
    key_id = pw.SmallIntegerField()
    wrapped = pw.BlobField()

    class Meta:
        indexes = ((("slot", "key_id"), True),)


class RegisterSecret(BaseModel):
    """Long-lived secrets (blind-index key, audit key) sealed under the current DEK."""

    name = pw.CharField(max_length=32, primary_key=True)
    key_id = pw.SmallIntegerField()
    sealed = pw.BlobField()


# --- service catalog -----------------------------------------------------------------


class ServiceItem(BaseModel):
    """办事事项 — an item of the catalog; `spec` is its full definition (TOML as JSON)."""

    code = pw.CharField(max_length=32, unique=True)
    name = pw.CharField(max_length=128)
    window = pw.ForeignKeyField(Window, backref="items", on_delete="RESTRICT")
    default_kind = pw.CharField(max_length=16)
    promised_limit_days = pw.IntegerField()
    legal_limit_days = pw.IntegerField()
    spec = pw.TextField()
    active = pw.BooleanField(default=True)
    updated_at = UtcDateTimeField()


# --- people and their matters --------------------------------------------------------


class Person(SealedModel):
    """来访人 / 申请人 — a citizen the hall has served."""

    id_type = pw.CharField(max_length=16, default="resident")  # resident | foreign_pr | hmt | other
    id_number_enc = pw.BlobField(null=True)
    id_number_bidx = pw.CharField(max_length=32, null=True, index=True)
    name_enc = pw.BlobField()
    name_bidx = pw.CharField(max_length=32, index=True)
    phone_enc = pw.BlobField(null=True)
    phone_bidx = pw.CharField(max_length=32, null=True, index=True)
    gender_enc = pw.BlobField(null=True)
    birth_date_enc = pw.BlobField(null=True)
    ethnicity_enc = pw.BlobField(null=True)
    address_enc = pw.BlobField(null=True)
    photo_enc = pw.BlobField(null=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()

    _row_mac_extra = ("id_type",)  # a resident's number read as a foreign one is refused


class Case(SealedModel):
    """办件 — one application from receipt to result (六件管理, 限时办结)."""

    number = pw.CharField(max_length=32, unique=True)
    item = pw.ForeignKeyField(ServiceItem, backref="cases", on_delete="RESTRICT")
    window = pw.ForeignKeyField(Window, backref="cases", on_delete="RESTRICT")
    person = pw.ForeignKeyField(Person, null=True, backref="cases", on_delete="RESTRICT")
    kind = pw.CharField(max_length=16, index=True)
    state = pw.CharField(max_length=24, index=True)
    proxy = pw.BooleanField(default=False)  # 代办
    tolerance = pw.BooleanField(default=False)  # 容缺受理
    received_at = UtcDateTimeField(index=True)
    clock_start = pw.DateField(null=True)  # day of (complete) receipt; the count starts after it
    due_date = pw.DateField(null=True, index=True)
    due_provisional = pw.BooleanField(default=False)
    tolerance_due = pw.DateField(null=True)  # 容缺: the promised date for the missing material
    accepted_by = pw.ForeignKeyField(Staff, backref="accepted_cases", on_delete="RESTRICT")
    handler = pw.ForeignKeyField(Staff, null=True, backref="handled_cases", on_delete="RESTRICT")
    acting_for = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    lead_window = pw.ForeignKeyField(Window, null=True, backref="+", on_delete="RESTRICT")
    windows_involved = pw.TextField(default="[]")  # JSON list of window codes (联办件)
    materials = pw.TextField(default="[]")  # JSON: catalog material names with present/missing
    forwarded_to = pw.CharField(max_length=128, default="")  # 上报件: the authority
    extended_until = pw.DateField(null=True)
    extension_approved_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    extension_reason_enc = pw.BlobField(null=True)
    notes_enc = pw.BlobField(null=True)
    result_enc = pw.BlobField(null=True)
    closed_at = UtcDateTimeField(null=True, index=True)
    updated_at = UtcDateTimeField()
    # --- added with store/cases.py (issue 5) ---
    trips = pw.IntegerField(default=1)  # 跑动次数: the applicant's visits on this case
    proxy_name_enc = pw.BlobField(null=True)  # 代办人 (when `proxy`)
    proxy_id_enc = pw.BlobField(null=True)
    proxy_phone_enc = pw.BlobField(null=True)
    supplements = pw.TextField(default="[]")  # JSON list of ISO dates supplements arrived
    omission = pw.BooleanField(default=False)  # 一次性告知 missed a material: the office's fault
    granted = pw.BooleanField(null=True)  # 办结: 准予 (True) / 不予 (False)
    extension_state = pw.CharField(max_length=16, default="")  # "" | requested | approved
    extension_requested = pw.DateField(null=True)  # the date asked for, until approved
    forward_by = pw.DateField(null=True)  # 上报件: the promised forwarding date
    forwarded_at = UtcDateTimeField(null=True)
    forward_reference = pw.CharField(max_length=64, default="")  # the authority's number
    proposed_action = pw.CharField(max_length=16, default="")  # "" | withdraw (容缺 overdue)
    extended_from = pw.DateField(null=True)  # the due date the last approved extension moved
    # --- added with the lifecycle in policies (issue 10) ---
    limit_days = pw.IntegerField(null=True)  # working days the due date counts (None: no limit)
    renotify = pw.BooleanField(default=False)  # a date told on paper changed: 需重新告知

    class Meta:
        # The counter's queue and a person's history (store/queue.py, store/lookup.py):
        # open cases of a window by due date, the hall's by due date, a person's newest
        # first, today's figures per clerk and per window.
        indexes = (
            (("window", "state", "due_date"), False),
            (("state", "due_date"), False),
            (("person", "received_at"), False),
            (("accepted_by", "received_at"), False),
            (("window", "closed_at"), False),
            # AB岗: a clerk's open work, to hand over and to cover
            (("accepted_by", "state"), False),
        )


# 需重新告知: a handful among millions, found through a partial index of just them.
Case.add_index(Case.window, where=Case.renotify, name="case_renotify")
# Extension requests waiting for the supervisor's board: a handful, read the same way.
Case.add_index(
    Case.state, where=Case.extension_state == "requested", name="case_extension_requested"
)


class Inquiry(SealedModel):
    """首问登记 — every visitor and phone call, registered by the first person asked."""

    number = pw.CharField(max_length=32, unique=True)
    at = UtcDateTimeField(index=True)
    channel = pw.CharField(max_length=16)  # visit | phone | online
    person = pw.ForeignKeyField(Person, null=True, backref="inquiries", on_delete="RESTRICT")
    caller_name_enc = pw.BlobField(null=True)  # a caller who gave no ID number
    caller_contact_enc = pw.BlobField(null=True)
    # 查询 finds a caller by name or phone (blind indexes; store.caller_index fills old rows).
    caller_name_bidx = pw.CharField(max_length=32, null=True, index=True)
    caller_phone_bidx = pw.CharField(max_length=32, null=True, index=True)
    item = pw.ForeignKeyField(ServiceItem, null=True, backref="inquiries", on_delete="RESTRICT")
    topic_enc = pw.BlobField(null=True)  # free text: may name people
    answer_enc = pw.BlobField(null=True)  # 当场答复: what the caller was told (free text)
    first_asker = pw.ForeignKeyField(Staff, backref="inquiries", on_delete="RESTRICT")
    acting_for = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    window = pw.ForeignKeyField(Window, null=True, backref="inquiries", on_delete="RESTRICT")
    disposition = pw.CharField(
        max_length=16, default="open"
    )  # answered|accepted|referred|escalated
    referred_to = pw.ForeignKeyField(Window, null=True, backref="referrals", on_delete="RESTRICT")
    case = pw.ForeignKeyField(Case, null=True, backref="inquiries", on_delete="SET NULL")
    state = pw.CharField(max_length=16, default="open", index=True)  # open | closed
    station = pw.CharField(max_length=64, default="")
    closed_at = UtcDateTimeField(null=True)

    class Meta:
        # 督办 and referrals on the counter's queue (oldest first: `at` ends each index, so
        # the planner reads the open ones in order instead of a clerk's whole history);
        # a clerk's inquiries today; a person's.
        indexes = (
            (("referred_to", "state", "at"), False),
            (("first_asker", "state", "at"), False),
            (("disposition", "state", "at"), False),
            (("first_asker", "at"), False),
            (("person", "at"), False),
        )


class Handover(SealedModel):
    """AB岗交接 — one absence of a clerk (A, ``from_staff``) and who covers A's work
    (B, ``to_staff``): registered, approved, confirmed by B, handed back. A cover taken
    without a handover (主动顶岗, the supervisor naming a stand-in, 代岗 declared at login)
    is a row too, so nothing of A's is ever with nobody. States and rules: policies.handover.
    """

    number = pw.CharField(max_length=32, unique=True)  # 交接单号
    from_staff = pw.ForeignKeyField(
        Staff, null=True, backref="handovers_out", on_delete="RESTRICT"
    )  # None: a window covered at login with nobody named
    to_staff = pw.ForeignKeyField(
        Staff, null=True, backref="handovers_in", on_delete="RESTRICT"
    )  # None: nobody named yet (a post without B: the supervisor names a stand-in)
    window = pw.ForeignKeyField(Window, null=True, backref="handovers", on_delete="RESTRICT")
    mode = pw.CharField(max_length=16)  # planned | initiative | assigned | login
    absence = pw.CharField(max_length=16)  # vacation | study | trip | sick | personal | other
    starts_on = pw.DateField()
    ends_on = pw.DateField(index=True)
    state = pw.CharField(max_length=16, index=True)
    late = pw.BooleanField(default=False)  # registered later than the policy's notice
    approval = pw.CharField(max_length=16, default="")  # "" | pending | approved | refused
    approver = pw.CharField(max_length=32, default="")  # the policy's level (中心主任 …)
    approved_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    approved_at = UtcDateTimeField(null=True)
    registered_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    registered_at = UtcDateTimeField()
    confirmed_at = UtcDateTimeField(null=True)  # B reviewed the items: B acts for A from here
    returned_at = UtcDateTimeField(null=True)  # 收岗: B handed back
    ended_at = UtcDateTimeField(null=True)
    ended_how = pw.CharField(max_length=16, default="")  # "" | confirmed | auto | cancelled
    reviewed_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    reviewed_at = UtcDateTimeField(null=True)  # the supervisor saw a cover without handover
    seen_by_absent_at = UtcDateTimeField(null=True)  # A was told of it at their login
    #: The snapshot of A's open work at handover, JSON list of {type, number, owner, due …}
    #: (numbers and dates, no personal data); a chain's later link carries the earlier's.
    items = pw.TextField(default="[]")
    reason_enc = pw.BlobField(null=True)  # why covered without handover / at login
    notes_enc = pw.BlobField(null=True)  # A's note on the absence

    class Meta:
        indexes = ((("to_staff", "state"), False), (("from_staff", "state"), False))


class Complaint(SealedModel):
    """投诉 — the complainant's identity is sealed and shown only to complaint officers."""

    number = pw.CharField(max_length=32, unique=True)
    received_at = UtcDateTimeField(index=True)
    channel = pw.CharField(max_length=16)  # oral | phone | written | online
    complainant_name_enc = pw.BlobField(null=True)
    complainant_contact_enc = pw.BlobField(null=True)
    ground = pw.CharField(max_length=32)  # grounds of seed 002 附件6 二
    against_staff = pw.ForeignKeyField(Staff, null=True, backref="complaints", on_delete="RESTRICT")
    against_window = pw.ForeignKeyField(
        Window, null=True, backref="complaints", on_delete="RESTRICT"
    )
    case = pw.ForeignKeyField(Case, null=True, backref="complaints", on_delete="RESTRICT")
    description_enc = pw.BlobField()
    complex = pw.BooleanField(default=False)
    due_date = pw.DateField(null=True)
    state = pw.CharField(max_length=16, index=True)
    handler = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    received_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    finding_enc = pw.BlobField(null=True)
    decision_enc = pw.BlobField(null=True)
    confirmed = pw.BooleanField(null=True)  # counts in assessment when confirmed
    replied_at = UtcDateTimeField(null=True)
    # Version 5 (issue 12): policies.complaints.
    grounds = pw.TextField(default="[]")  # JSON list of ground codes (several allowed)
    anonymous = pw.BooleanField(default=False)
    due_provisional = pw.BooleanField(default=False)  # counted through a year without notice
    extended_from = pw.DateField(null=True)  # the due date before the extension
    extended_at = UtcDateTimeField(null=True)
    extension_reason_enc = pw.BlobField(null=True)
    investigated_at = UtcDateTimeField(null=True)
    decided_at = UtcDateTimeField(null=True)
    measures_enc = pw.BlobField(null=True)  # 处理措施
    reply_how = pw.CharField(max_length=16, default="")  # policies.complaints.Reply
    reply_note_enc = pw.BlobField(null=True)
    satisfaction = pw.CharField(max_length=16, default="")  # policies.complaints.Satisfaction
    closed_at = UtcDateTimeField(null=True)
    closed_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")

    class Meta:
        indexes = ((("state", "due_date"), False),)


class Rating(SealedModel):
    """好差评 — each service rated once; 差评 are followed up."""

    case = pw.ForeignKeyField(Case, null=True, unique=True, backref="rating", on_delete="RESTRICT")
    inquiry = pw.ForeignKeyField(
        Inquiry, null=True, unique=True, backref="rating", on_delete="RESTRICT"
    )
    staff = pw.ForeignKeyField(Staff, backref="ratings", on_delete="RESTRICT")
    window = pw.ForeignKeyField(Window, backref="ratings", on_delete="RESTRICT")
    channel = pw.CharField(max_length=16)  # device | sms | phone | online | default
    level = pw.SmallIntegerField()  # 1 非常满意 … 5 非常不满意
    reason_code = pw.IntegerField(null=True)
    at = UtcDateTimeField(index=True)
    rated = pw.BooleanField(default=True)  # False: not rated within the window (level 0)
    followup_due = pw.DateField(null=True)
    followup_state = pw.CharField(max_length=16, default="")  # policies.followup
    followup_note_enc = pw.BlobField(null=True)
    #: A 未评价 record of the daily job replaced by a rating taken later (电话回访 …).
    replaced_at = UtcDateTimeField(null=True)
    # Version 5 (issue 12): 差评整改回访 and 申诉复核 (policies.followup). followup_due is
    # the contact limit; the fix and rectify limits count from the rating too.
    fix_due = pw.DateField(null=True)  # set at 核实 (simple / complex)
    rectify_due = pw.DateField(null=True)
    followup_complex = pw.BooleanField(null=True)
    contacted_at = UtcDateTimeField(null=True)  # first callback that reached the person
    verified_at = UtcDateTimeField(null=True)
    verified_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    findings_enc = pw.BlobField(null=True)  # 核实情况
    rectified_at = UtcDateTimeField(null=True)
    rectified_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    measures_enc = pw.BlobField(null=True)  # 整改措施
    evidence_enc = pw.BlobField(null=True)  # 整改佐证
    closed_at = UtcDateTimeField(null=True)
    satisfaction = pw.CharField(max_length=8, default="")  # on the closing callback
    appeal_state = pw.CharField(max_length=16, default="")  # "" | pending | upheld | rejected
    appeal_at = UtcDateTimeField(null=True)
    appeal_reason_enc = pw.BlobField(null=True)
    appeal_decided_at = UtcDateTimeField(null=True)
    appeal_decided_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    appeal_note_enc = pw.BlobField(null=True)

    class Meta:
        indexes = (
            (("staff", "at"), False),  # a clerk's ratings today
            (("followup_state", "followup_due"), False),  # 差评 to follow up, by date
        )


class RatingCallback(SealedModel):
    """差评回访 — one attempt to call the rater back: when, how, the outcome, the reason code
    the person gave, and a note (sealed). Oldest first by id."""

    rating = pw.ForeignKeyField(Rating, backref="callbacks", on_delete="RESTRICT")
    at = UtcDateTimeField()
    how = pw.CharField(max_length=16)  # phone | sms | visit
    outcome = pw.CharField(max_length=16)  # reached | no_answer | busy | wrong_number | refused
    satisfaction = pw.CharField(max_length=8, default="")  # when reached after rectification
    reason_code = pw.IntegerField(null=True)
    by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    note_enc = pw.BlobField(null=True)


class Petition(SealedModel):
    """信访 — a petition with the visitor's particulars (seed 000 篇7 信访接待制度)."""

    number = pw.CharField(max_length=32, unique=True)
    received_at = UtcDateTimeField(index=True)
    person = pw.ForeignKeyField(Person, null=True, backref="petitions", on_delete="RESTRICT")
    name_enc = pw.BlobField()
    gender_enc = pw.BlobField(null=True)
    age_enc = pw.BlobField(null=True)
    occupation_enc = pw.BlobField(null=True)
    political_status_enc = pw.BlobField(null=True)
    address_enc = pw.BlobField(null=True)
    issue_enc = pw.BlobField()
    materials_enc = pw.BlobField(null=True)
    serious = pw.BooleanField(default=False)
    collective = pw.BooleanField(default=False)
    state = pw.CharField(max_length=16, index=True)
    due_date = pw.DateField(null=True)
    handed_to = pw.CharField(max_length=128, default="")  # 交办: the responsible department
    received_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    reply_enc = pw.BlobField(null=True)
    closed_at = UtcDateTimeField(null=True)
    # Version 5 (issue 12): policies.petitions.
    urgent = pw.BooleanField(default=False)
    leader_reception = pw.BooleanField(default=False)  # 领导接待: a week to answer
    channel = pw.CharField(max_length=16, default="visit")  # visit | letter | phone | online
    visitors = pw.IntegerField(default=1)  # 集体访: how many came
    handed_at = UtcDateTimeField(null=True)
    handed_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    closed_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    alarm_seen_at = UtcDateTimeField(null=True)  # the supervisor acknowledged the alarm
    alarm_seen_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    phone_enc = pw.BlobField(null=True)  # to give the answer
    department_reply_enc = pw.BlobField(null=True)  # what the department reported back

    class Meta:
        indexes = ((("state", "due_date"), False),)


class Notice(SealedModel):
    """告知书 / 通知书 — a printed notice handed to the applicant; the text names people."""

    number = pw.CharField(max_length=32, unique=True)
    kind = pw.CharField(max_length=24)  # acceptance | supplement | return | joint | tolerance …
    case = pw.ForeignKeyField(Case, null=True, backref="notices", on_delete="RESTRICT")
    inquiry = pw.ForeignKeyField(Inquiry, null=True, backref="notices", on_delete="RESTRICT")
    petition = pw.ForeignKeyField(Petition, null=True, backref="notices", on_delete="RESTRICT")
    #: A complaint's notice (投诉办理延期告知书): shown only to IDENTITY_ROLES.
    complaint = pw.ForeignKeyField(Complaint, null=True, backref="notices", on_delete="RESTRICT")
    issued_at = UtcDateTimeField()
    issued_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    body_enc = pw.BlobField()
    printed_count = pw.IntegerField(default=0)
    #: The case's dates this notice told the applicant, JSON {column: ISO date} (dates only,
    #: in clear): a recount after a calendar import compares them (需重新告知).
    stated = pw.TextField(default="{}")


class SubTask(BaseModel):
    """联办件 — a participating window's part of a joint case (the lead window closes it)."""

    case = pw.ForeignKeyField(Case, backref="subtasks", on_delete="CASCADE")
    window = pw.ForeignKeyField(Window, backref="+", on_delete="RESTRICT")
    state = pw.CharField(max_length=16, default="open")  # open | done
    completed_at = UtcDateTimeField(null=True)
    completed_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")

    class Meta:
        indexes = ((("case", "window"), True), (("window", "state"), False))


class Refusal(SealedModel):
    """否定报备 — every 退回 / 不予受理 / 不予核准, registered for the supervisor's review."""

    case = pw.ForeignKeyField(Case, backref="refusals", on_delete="RESTRICT")
    kind = pw.CharField(max_length=16)  # returned | refused | not_granted
    reasons_enc = pw.BlobField()
    at = UtcDateTimeField(index=True)
    by_staff = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    state = pw.CharField(max_length=16, default="pending", index=True)  # pending | reviewed
    reviewed_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    reviewed_at = UtcDateTimeField(null=True)
    review_note_enc = pw.BlobField(null=True)
    decision = pw.CharField(max_length=16, default="")  # "" | agreed | overturned


class Attendance(BaseModel):
    """考勤 — sign-in and sign-out per staff member and working day."""

    staff = pw.ForeignKeyField(Staff, backref="attendance", on_delete="CASCADE")
    work_date = pw.DateField()
    signed_in_at = UtcDateTimeField(null=True)
    late = pw.BooleanField(default=False)
    signed_out_at = UtcDateTimeField(null=True)
    left_early = pw.BooleanField(default=False)
    station = pw.CharField(max_length=64, default="")
    # 今日岗位: the window and A/B post worked today, and whom one covers for (代岗).
    window = pw.ForeignKeyField(Window, null=True, backref="+", on_delete="SET NULL")
    post = pw.CharField(max_length=1, default="")  # "" | "A" | "B"
    acting_for = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("staff", "work_date"), True),)


# --- audit ---------------------------------------------------------------------------


class AuditEvent(BaseModel):
    """审计 — one link of the HMAC chain; no personal data in clear."""

    seq = pw.BigIntegerField(primary_key=True)
    at = UtcDateTimeField()
    actor = pw.IntegerField(null=True)  # staff id (plain: no foreign key, an audit row outlives)
    acting_for = pw.IntegerField(null=True)
    station = pw.CharField(max_length=64, default="")
    action = pw.CharField(max_length=48)
    record_table = pw.CharField(max_length=32, default="")
    record_id = pw.CharField(max_length=64, default="")
    detail = pw.TextField(default="{}")  # JSON of non-personal facts
    prev_mac = pw.CharField(max_length=64)
    mac = pw.CharField(max_length=64)

    class Meta:
        # A case's history (who did what, B for A) is read by the case's uuid.
        indexes = ((("record_id",), False),)


class AuditPending(BaseModel):
    """Events written by someone without the audit key (a failed login, a technician):
    the next logged-in operation links them into the chain."""

    id = pw.AutoField()
    at = UtcDateTimeField()
    actor = pw.IntegerField(null=True)
    acting_for = pw.IntegerField(null=True)
    station = pw.CharField(max_length=64, default="")
    action = pw.CharField(max_length=48)
    record_table = pw.CharField(max_length=32, default="")
    record_id = pw.CharField(max_length=64, default="")
    detail = pw.TextField(default="{}")


class AuditHead(BaseModel):
    """The chain's head (count and last MAC), sealed by its own MAC, outside the event table:
    cutting off the newest events is seen by comparing with it."""

    id = pw.IntegerField(primary_key=True)  # always 1
    count = pw.BigIntegerField()
    last_mac = pw.CharField(max_length=64)
    head_mac = pw.CharField(max_length=64)


ALL_MODELS: tuple[type[BaseModel], ...] = (
    RegisterMeta,
    Setting,
    CalendarYear,
    Counter,
    Window,
    Staff,
    Post,
    DataKey,
    KeySlot,
    SlotKey,
    RegisterSecret,
    ServiceItem,
    Person,
    Case,
    Inquiry,
    Handover,
    Complaint,
    Rating,
    RatingCallback,
    Petition,
    Notice,
    SubTask,
    Refusal,
    Attendance,
    AuditEvent,
    AuditPending,
    AuditHead,
)

#: Tables whose rows carry sealed fields, for key rotation.
SEALED_MODELS: tuple[type[SealedModel], ...] = tuple(
    m for m in ALL_MODELS if isinstance(m, type) and issubclass(m, SealedModel)
)


def sealed_columns(model: type[pw.Model]) -> list[str]:
    return [name for name in model._meta.fields if name.endswith("_enc")]


def _mac_columns(model: type[SealedModel]) -> tuple[str, ...]:
    names = list(model._meta.fields)
    return (
        *(n for n in names if n.endswith("_enc")),
        *model._row_mac_extra,
        *(n for n in names if n.endswith("_bidx")),
    )


#: The row MAC's registry (store.row_macs): for each table with sealed fields or blind
#: indexes, the columns its MAC covers — every sealed column, then the extra plain ones
#: and every blind index, in the model's order (with the row's uuid and key id).
MAC_COLUMNS: dict[type[SealedModel], tuple[str, ...]] = {
    model: _mac_columns(model) for model in SEALED_MODELS
}


def _refuse(model: type[pw.Model]) -> None:
    from store.errors import StoreError

    raise StoreError(
        f"内部错误：写入 {model._meta.table_name} 的加密字段或索引时没有更新行校验，已拒绝写入"
    )


def mac_bound(model: type[SealedModel]) -> tuple[str, ...]:
    """Every column a row MAC binds: the row's uuid and key id, and its MAC_COLUMNS."""
    return ("uuid", "key_id", *MAC_COLUMNS[model])


def mac_stamp(row: SealedModel) -> tuple:
    """What store.row_macs.stamp made the MAC of (checked again before the row is saved)."""
    return (row.row_mac, *(row.__data__.get(n) for n in mac_bound(type(row))))


def _refuse_unstamped_columns(model: type[SealedModel], names: list[str]) -> None:
    """An UPDATE that sets columns the MAC binds must set the row's MAC too."""
    if "row_mac" not in names and any(n in mac_bound(model) for n in names):
        _refuse(model)


def _refuse_unstamped_save(row: SealedModel, force_insert: bool, only) -> None:
    """A new row, or one whose bound columns changed, must carry the MAC that
    store.row_macs.stamp made for exactly the values it holds now."""
    model = type(row)
    bound = mac_bound(model)
    if only is not None:
        names = [f if isinstance(f, str) else f.name for f in only]
        _refuse_unstamped_columns(model, names)
        if not any(n in bound for n in names):
            return
    elif not (force_insert or row._pk is None or any(n in row._dirty for n in bound)):
        return
    if row.__dict__.get("_row_mac_stamped") != mac_stamp(row):
        _refuse(model)
