"""The codes of a citizen request, declared once with their labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from luoshi.matters.services.reopening import Rating


class RequestType(models.TextChoices):
    """诉求类型: what the citizen asks for; it sets the time limit."""

    INQUIRY = "inquiry", _("Inquiry")  # 咨询
    HELP = "help", _("Request for help")  # 求助
    COMPLAINT = "complaint", _("Complaint")  # 投诉
    REPORT = "report", _("Report of wrongdoing")  # 举报
    SUGGESTION = "suggestion", _("Suggestion")  # 建议


class Channel(models.TextChoices):
    """How the request came in."""

    WEB = "web", _("Public form")
    HOTLINE = "hotline", _("Hotline call")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")


class Stage(models.TextChoices):
    """Where the request stands, as the citizen's tracking page and the lists say it.

    Derived from the request and its matter (see CitizenRequest.stage); never stored.
    """

    RECEIVED = "received", _("Received, awaiting dispatch")  # 待派单
    MERGED = "merged", _("Merged into an earlier request")  # 已合并
    DISPATCHED = "dispatched", _("Dispatched to the unit")  # 已派单
    IN_HAND = "in_hand", _("Being handled")  # 办理中
    ANSWERED = "answered", _("Answered, awaiting your rating")  # 已答复
    CLOSED = "closed", pgettext_lazy("request stage", "Closed")  # 已办结 (a matter's is 销号)
    WITHDRAWN = "withdrawn", pgettext_lazy("request stage", "Withdrawn")  # 已撤单


class ReplyState(models.TextChoices):
    """The moments a reply template is bound to (受理, 办理中, 已答复, 办结)."""

    ACCEPTED = "accepted", _("Accepted by the hotline")
    IN_HAND = "in_hand", _("Being handled")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", pgettext_lazy("request stage", "Closed")


class CallPurpose(models.TextChoices):
    """Why the office calls the citizen back (回访)."""

    SATISFACTION = "satisfaction", _("Satisfaction after the answer")
    UNSATISFIED = "unsatisfied", _("Revisit after an unsatisfied rating")
    WITHDRAWAL = "withdrawal", _("Check of a withdrawal")


class RatingSource(models.TextChoices):
    TRACKING = "tracking", _("On the tracking page")
    RETURN_CALL = "return_call", _("In a return call")
    DEFAULT = "default", _("By default after the rating days")


# The three grades a citizen chooses from (满意 / 基本满意 / 不满意), among matters' five.
CITIZEN_GRADES = [Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.UNSATISFIED]


class WithdrawalState(models.TextChoices):
    """A withdrawal (撤单) counts only after a return call checks it."""

    NONE = "", _("No withdrawal")
    PENDING = "pending", _("Withdrawal awaiting the return call")
    CONFIRMED = "confirmed", _("Withdrawal confirmed by the return call")
    REFUSED = "refused", _("Withdrawal refused: the citizen was pressed")


class MergeState(models.TextChoices):
    NONE = "", _("Not a duplicate")
    PROPOSED = "proposed", _("Proposed for merging")
    MERGED = "merged", _("Merged")
    DECLINED = "declined", _("Not a duplicate (declined)")


class CitizenEventKind(models.TextChoices):
    """Steps of a request that are not matter events (those stay in MatterEvent)."""

    RECEIVED = "received", _("Received")
    DISPATCHED = "dispatched", _("Dispatched")
    MERGE_PROPOSED = "merge_proposed", _("Proposed as a duplicate")
    MERGED = "merged", _("Merged")
    MERGE_DECLINED = "merge_declined", _("Merge declined")
    REPLIED = "replied", _("Reply sent")
    RATED = "rated", _("Rated")
    RETURN_CALL = "return_call", _("Return call")
    WITHDRAWAL_REQUESTED = "withdrawal_requested", _("Withdrawal asked")
    WITHDRAWAL_CONFIRMED = "withdrawal_confirmed", _("Withdrawal confirmed")
    WITHDRAWAL_REFUSED = "withdrawal_refused", _("Withdrawal refused")
    CONTACT_VIEWED = "contact_viewed", _("Contact viewed")
