"""Every write of ETLE, one module per stage of the flow; import them from here.

- ``ingest``: camera events (API, Hikvision pushes, file imports) → captures and violation cases;
  the vehicle registry import; the camera register.
- ``review``: the investigator's decision (approve, reject, correct the plate, change the type).
- ``letters``: the signed confirmation letter and its delivery; returned letters.
- ``confirmation``: the owner's answer on the public page; disputes under review.
- ``payments``: virtual accounts, the bank's callback, reconciliation, the court route, refunds.
- ``blocking``: deadlines, STNK blocks and their lifting.

Each function is keyword-only, runs in one transaction and records its ledger entry in it.
"""

from .blocking import (
    block_lift,
    block_lift_manual,
    block_place,
    deadline_block,
    deadline_candidates,
    deadline_due,
    deadline_paused,
)
from .confirmation import (
    OWNER,
    client_hash,
    confirmation_drove,
    confirmation_not_mine,
    confirmation_other_driver,
    confirmation_sold,
    court_choose,
    deposit_choose,
    dispute_accept,
    dispute_refuse,
    dispute_refused_before,
)
from .ingest import (
    ACCEPTED,
    DUPLICATE,
    MERGED,
    REJECTED,
    ImportSummary,
    ItemResult,
    Rejected,
    camera_register,
    captures_ingest,
    event_rows,
    payload_hash,
    reference_code_new,
    select_in,
    tracking_number_new,
    vehicles_import,
)
from .letters import (
    address_check,
    addressee,
    confirmation_url,
    letter_build,
    letter_resend,
    letter_returned,
    letters_due,
    notice_enqueue_after_commit,
    notice_send,
    notice_send_pending,
    violation_close_undeliverable,
)
from .payments import (
    BANK,
    MISMATCH_KINDS,
    BankPaymentIn,
    CallbackResult,
    StatementLine,
    bank_callback_receive,
    bank_request,
    callback_signature,
    payment_open,
    reconciliation_run,
    refund_pay,
    refunds_to_treasury,
    statement_parse,
    verdict_record,
    virtual_account_new,
)
from .review import (
    registry_reasons,
    rejection_parts,
    violation_approve,
    violation_change_type,
    violation_correct_plate,
    violation_reject,
)
