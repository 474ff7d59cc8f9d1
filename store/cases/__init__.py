"""办件 — acceptance (六件管理), the case's actions (限时办结), its end, and the notices
issued, split by the case's life: :mod:`.acceptance`, :mod:`.progress`, :mod:`.ending`,
:mod:`.reading`, with :mod:`.notices` (the stored notices) and :mod:`.refusals` (否定报备).

Every operation asks policies.lifecycle whether it may happen now (a refusal,
:class:`TransitionRefused`, names the state the case is really in and the step that comes
first, is audited as a refused attempt, and writes nothing else), checks its input before
it writes, and writes in one transaction with one audit event that names the case by its
number only.

Materials (Case.materials, JSON) are the item's checklist in catalog order:
``{"name", "main", "status"}`` with status a policies.cases.MaterialStatus, plus
``"omitted": true`` for a material the first notice failed to list (一次性告知 missed it:
the office's fault, Case.omission). Case.supplements lists the days supplements arrived.

Deadlines (policies.deadlines, policies.calendar): the count of Case.limit_days working
days starts the day after receipt, or for a 补办件 the day after the materials are
complete (after the first supplement when the notice missed a material); due dates counted
through a year the calendar lacks are provisional and recounted when it is imported
(store.recount).
"""

from store.cases.acceptance import (
    TOLERANCE,
    AcceptancePreview,
    ProxyInput,
    accept_case,
    acceptance_preview,
    propose,
)
from store.cases.common import CaseResult, TransitionRefused
from store.cases.ending import (
    close_case,
    expire_tolerance,
    refuse_case,
    return_case,
    withdraw_case,
)
from store.cases.notices import (
    NOTICE_FORMAT,
    NOTICE_KINDS,
    create_notice,
    find_notice,
    issue_notice,
    notice_body,
    notice_from_body,
    notice_text,
)
from store.cases.progress import (
    approve_extension,
    complete_subtask,
    forward_progress,
    record_visit,
    reject_extension,
    request_extension,
    request_supplement,
    supplement,
)
from store.cases.reading import (
    EXTENSION_LABELS,
    CaseDetail,
    MaterialLine,
    NoticeLine,
    SubTaskLine,
    case_detail,
)
from store.cases.refusals import REFUSAL_KINDS, pending_refusals, review_refusal

__all__ = [
    "EXTENSION_LABELS",
    "NOTICE_FORMAT",
    "NOTICE_KINDS",
    "REFUSAL_KINDS",
    "TOLERANCE",
    "AcceptancePreview",
    "CaseDetail",
    "CaseResult",
    "MaterialLine",
    "NoticeLine",
    "ProxyInput",
    "SubTaskLine",
    "TransitionRefused",
    "accept_case",
    "acceptance_preview",
    "approve_extension",
    "case_detail",
    "close_case",
    "complete_subtask",
    "create_notice",
    "expire_tolerance",
    "find_notice",
    "forward_progress",
    "issue_notice",
    "notice_body",
    "notice_from_body",
    "notice_text",
    "pending_refusals",
    "propose",
    "record_visit",
    "refuse_case",
    "reject_extension",
    "request_extension",
    "request_supplement",
    "return_case",
    "review_refusal",
    "supplement",
    "withdraw_case",
]
