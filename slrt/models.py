"""Import every model so the metadata (and Alembic) sees the whole schema."""

from slrt.api.models import (  # noqa: F401
    ApiClient,
    ApiToken,
    IdempotentRequest,
    WebhookSubscription,
)
from slrt.audit.models import AuditEntry  # noqa: F401
from slrt.auth.models import LoginFailure, User, UserProgram, UserVillage  # noqa: F401
from slrt.cases.models import Case, CaseEvent, Category, Person, RegistryCheck  # noqa: F401
from slrt.common.models import AppSetting, Sequence  # noqa: F401
from slrt.dtks.models import RegistryRecord  # noqa: F401
from slrt.notifications.models import (  # noqa: F401
    Delivery,
    DigestRun,
    Notification,
    Reminder,
    ReminderMark,
    UnitSupervisor,
)
from slrt.outreach.models import FollowUpTask, OutreachVisit  # noqa: F401
from slrt.proposals.models import Musdes, Proposal, RegistryFlag  # noqa: F401
from slrt.referrals.models import (  # noqa: F401
    AidHandover,
    AidHandoverLine,
    Program,
    Referral,
    ReferralPause,
)
from slrt.regions.models import Region  # noqa: F401
from slrt.status_page.models import StatusCode, StatusFailure, StatusLookup  # noqa: F401
