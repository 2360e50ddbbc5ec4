"""The programme's rules as pure functions (DESIGN §5): components and benefit, the graduation
assessment, and target progress. No ORM, no settings, no clock: the date and the policy are
parameters."""

from graduasi.rules.assessment import (
    Assessment,
    Code,
    EconomicFacts,
    KpmFacts,
    Reason,
    Status,
    anniversary,
    assess,
    component_end,
    months_before,
    projected_graduation,
)
from graduasi.rules.components import (
    COMPONENT_LABELS,
    DEFAULT_POLICY,
    SCHOOL_COMPONENTS,
    Benefit,
    Component,
    Member,
    MemberComponent,
    Policy,
    age_on,
    eligible_components,
    household_benefit,
    is_ibu_hamil,
    member_component,
    tahap_of,
)
from graduasi.rules.target import Progress, target_progress

__all__ = [
    "COMPONENT_LABELS",
    "DEFAULT_POLICY",
    "SCHOOL_COMPONENTS",
    "Assessment",
    "Benefit",
    "Code",
    "Component",
    "EconomicFacts",
    "KpmFacts",
    "Member",
    "MemberComponent",
    "Policy",
    "Progress",
    "Reason",
    "Status",
    "age_on",
    "anniversary",
    "assess",
    "component_end",
    "eligible_components",
    "household_benefit",
    "is_ibu_hamil",
    "member_component",
    "months_before",
    "projected_graduation",
    "tahap_of",
    "target_progress",
]
