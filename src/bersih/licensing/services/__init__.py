"""Every write of the SIM service, by stage of the applicant's visit."""

from .applications import (
    TRACKING_PREFIX,
    application_check_in,
    application_register,
    ticket_issue,
    ticket_mark_priority,
)
from .board import near_notify, ticket_notify_near_request
from .booking import APPLICANT, BOOKING_TEMPLATE, application_book
from .certificates import application_certificates_record
from .counters import counter_save, counter_shift_assign, is_counter_clerk_of
from .expiry import booking_expire_missed, licensing_expire, ticket_expire_stale
from .line import (
    board_event,
    call_order,
    choose_lane,
    complete_stage,
    enter_line,
    line_call_next,
    line_finish,
    line_no_show,
    line_override,
    line_recall,
    line_send_back,
    line_transfer,
    streak_after,
    waiting,
)
from .payments import (
    BANK,
    FeePaymentIn,
    bank_request,
    fee_callback_receive,
    fee_payment_reached,
    fee_payment_settle,
    virtual_account_new,
)
