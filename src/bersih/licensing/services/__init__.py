"""Every write of the SIM service, by stage of the applicant's visit."""

from .applications import (
    TRACKING_PREFIX,
    application_check_in,
    application_register,
    ticket_issue,
    ticket_mark_priority,
)
from .booking import APPLICANT, BOOKING_TEMPLATE, application_book
from .counters import counter_shift_assign, is_counter_clerk_of
from .line import (
    board_event,
    complete_stage,
    enter_line,
    line_call_next,
    line_finish,
    line_no_show,
    line_override,
    line_recall,
    line_send_back,
    line_transfer,
    waiting,
)
from .payments import fee_payment_reached, fee_payment_settle, virtual_account_new
