//! The one-stop dossier state machine (DESIGN.md §6) as one data table: which actor may take which
//! action from which state, and where it leads. No I/O: the workflow service checks the caller and
//! the dossier's version, asks [`TransitionTable::decide`], then persists the outcome.
//!
//! # Implementation Notes
//! The table is data, not code, so that a province can load its own rules; [`TransitionTable::validate`]
//! is what keeps a hand-edited table sane (no exit from a finished dossier, no dead ends, no
//! ambiguous rows). The default is [`DEFAULT_TRANSITIONS`].

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use Actor::{Citizen, Clerk, Leader, NationalPortal, PaymentProvider, Specialist};
use DossierState::{
    AwaitingPayment, AwaitingSupplement, Draft, InProgress, PendingApproval, Received, Refused, Resolved, Returned,
    Stopped, Submitted, Withdrawn,
};

/// Internal state of a dossier (DESIGN.md §6); each maps to a national status code
/// (`TrangThaiHoSo`, DOMAIN.md §5.3) through [`DossierState::national_status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DossierState {
    /// The citizen is preparing it; not yet known to the desk.
    Draft,
    /// Submitted online, waiting for the desk (1 — Mới đăng ký).
    Submitted,
    /// Accepted at the desk; dossier code and appointment date issued, Mẫu 01 (2 — Được tiếp nhận).
    Received,
    /// Not accepted, Mẫu 03 (3 — Không được tiếp nhận).
    Refused,
    /// With a specialist or department (4 — Đang xử lý).
    InProgress,
    /// A result is drafted and waits for a leader (4 — Đang xử lý).
    PendingApproval,
    /// The citizen must add or fix documents, Mẫu 02; the deadline clock is paused (5).
    AwaitingSupplement,
    /// A fee must be paid (6 — Yêu cầu thực hiện nghĩa vụ tài chính).
    AwaitingPayment,
    /// The citizen withdrew it (7 — Công dân yêu cầu rút hồ sơ).
    Withdrawn,
    /// Processing stopped, Thông báo dừng giải quyết (8 — Dừng xử lý).
    Stopped,
    /// Result issued, an approval or a reasoned denial (9 — Đã xử lý xong).
    Resolved,
    /// Result delivered to the citizen (10 — Đã trả kết quả).
    Returned,
}

impl DossierState {
    /// Every state, in lifecycle order.
    pub const ALL: [Self; 12] = [
        Self::Draft,
        Self::Submitted,
        Self::Received,
        Self::Refused,
        Self::InProgress,
        Self::PendingApproval,
        Self::AwaitingSupplement,
        Self::AwaitingPayment,
        Self::Withdrawn,
        Self::Stopped,
        Self::Resolved,
        Self::Returned,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Received => "received",
            Self::Refused => "refused",
            Self::InProgress => "in_progress",
            Self::PendingApproval => "pending_approval",
            Self::AwaitingSupplement => "awaiting_supplement",
            Self::AwaitingPayment => "awaiting_payment",
            Self::Withdrawn => "withdrawn",
            Self::Stopped => "stopped",
            Self::Resolved => "resolved",
            Self::Returned => "returned",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// The national status code `TrangThaiHoSo` (DOMAIN.md §5.3); `None` for a draft, which is
    /// never synchronised to Cổng DVCQG.
    pub fn national_status(self) -> Option<u8> {
        match self {
            Self::Draft => None,
            Self::Submitted => Some(1),
            Self::Received => Some(2),
            Self::Refused => Some(3),
            // The national list has no "waiting for a leader": both are "Đang xử lý".
            Self::InProgress | Self::PendingApproval => Some(4),
            Self::AwaitingSupplement => Some(5),
            Self::AwaitingPayment => Some(6),
            Self::Withdrawn => Some(7),
            Self::Stopped => Some(8),
            Self::Resolved => Some(9),
            Self::Returned => Some(10),
        }
    }

    /// Whether the dossier's life is over: nothing but a citizen's rating may follow.
    /// `resolved` is not terminal, because the result still has to be returned.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Refused | Self::Withdrawn | Self::Stopped | Self::Returned)
    }
}

impl fmt::Display for DossierState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the deadline clock stands still in `state`: time the citizen spends supplementing or
/// paying is excluded from processing time (DOMAIN.md §1.4, 766 indicator 2.1), and the clock
/// resumes rather than restarts afterwards.
pub fn pauses_clock(state: DossierState) -> bool {
    matches!(state, DossierState::AwaitingSupplement | DossierState::AwaitingPayment)
}

/// Whether a dossier in `state` counts as finished for the 766 indicators: national codes
/// 3, 7, 8, 9 and 10 (DOMAIN.md §5.3).
///
/// # Implementation Notes
/// The 766 rule reads "after acceptance"; that limits which dossiers are in the denominator
/// (those received in the period), which the indicator query decides, not the state.
pub fn counts_as_finished_for_766(state: DossierState) -> bool {
    matches!(state.national_status(), Some(3 | 7 | 8 | 9 | 10))
}

/// How a step or a finish compares with the appointment (Mẫu 05: trước hạn / đúng hạn / quá hạn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// On a business day before the appointment's day.
    Early,
    /// On the appointment's day, not after its time.
    OnTime,
    /// After the appointment.
    Late,
}

/// How `at` compares with the appointment `due`, by business days in Asia/Ho_Chi_Minh.
pub fn timeliness(at: chrono::DateTime<chrono::Utc>, due: chrono::DateTime<chrono::Utc>) -> Timeliness {
    let offset = crate::calendar::domain::business_offset();
    if at > due {
        Timeliness::Late
    } else if at.with_timezone(&offset).date_naive() < due.with_timezone(&offset).date_naive() {
        Timeliness::Early
    } else {
        Timeliness::OnTime
    }
}

/// Something a desk officer, the citizen or an integration does to a dossier (DESIGN.md §6, §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The citizen submits a draft.
    Submit,
    /// The desk accepts a submitted dossier (Mẫu 01).
    Receive,
    /// The desk refuses the dossier at reception (Mẫu 03).
    Refuse,
    /// Ask the citizen to add or fix documents (Mẫu 02).
    RequestSupplement,
    /// The citizen has uploaded what was asked for.
    Supplement,
    /// Hand the dossier to a specialist, or to another one.
    Assign,
    /// The specialist drafts a result (approval or denial) for a leader.
    ProposeResult,
    /// A leader approves and signs the drafted result.
    Approve,
    /// A leader sends the draft back to the specialist.
    SendBack,
    /// Ask the citizen to pay the fees.
    RequestPayment,
    /// The fee is paid, in cash at the desk or through the payment platform.
    ConfirmPayment,
    /// The specialist issues the result directly, for procedures needing no leader's approval.
    Resolve,
    /// Deliver the result to the citizen.
    ReturnResult,
    /// Stop processing (Thông báo dừng giải quyết hồ sơ).
    Stop,
    /// Apologise for a delay and set a new appointment date (Mẫu 04).
    Apologize,
    /// The citizen withdraws the dossier before it is resolved.
    Withdraw,
    /// The citizen rates the service after getting the result.
    Rate,
}

impl Action {
    /// Every action, in the order UIs list them.
    pub const ALL: [Self; 17] = [
        Self::Submit,
        Self::Receive,
        Self::Refuse,
        Self::RequestSupplement,
        Self::Supplement,
        Self::Assign,
        Self::ProposeResult,
        Self::Approve,
        Self::SendBack,
        Self::RequestPayment,
        Self::ConfirmPayment,
        Self::Resolve,
        Self::ReturnResult,
        Self::Stop,
        Self::Apologize,
        Self::Withdraw,
        Self::Rate,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Receive => "receive",
            Self::Refuse => "refuse",
            Self::RequestSupplement => "request_supplement",
            Self::Supplement => "supplement",
            Self::Assign => "assign",
            Self::ProposeResult => "propose_result",
            Self::Approve => "approve",
            Self::SendBack => "send_back",
            Self::RequestPayment => "request_payment",
            Self::ConfirmPayment => "confirm_payment",
            Self::Resolve => "resolve",
            Self::ReturnResult => "return_result",
            Self::Stop => "stop",
            Self::Apologize => "apologize",
            Self::Withdraw => "withdraw",
            Self::Rate => "rate",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == s)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who acts on a dossier, as far as the table is concerned. The service establishes it first:
/// `Citizen` only for the dossier's owner, staff roles only for staff of the dossier's agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The citizen who owns the dossier.
    Citizen,
    /// One-stop desk officer (cán bộ một cửa).
    Clerk,
    /// Handling officer (chuyên viên).
    Specialist,
    /// Head or deputy head of the agency (lãnh đạo), who signs results.
    Leader,
    /// Administrator of the portal.
    Admin,
    /// The payment platform's signed callback (DOMAIN.md §5.6).
    PaymentProvider,
    /// The national portal (Cổng DVCQG), filing a dossier through the integration API.
    NationalPortal,
    /// The server itself, for scheduled work.
    System,
}

impl Actor {
    /// Every actor.
    pub const ALL: [Self; 8] = [
        Self::Citizen,
        Self::Clerk,
        Self::Specialist,
        Self::Leader,
        Self::Admin,
        Self::PaymentProvider,
        Self::NationalPortal,
        Self::System,
    ];

    /// The stored and wire name (the audit event's `actor_role`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Clerk => "clerk",
            Self::Specialist => "specialist",
            Self::Leader => "leader",
            Self::Admin => "admin",
            Self::PaymentProvider => "payment_provider",
            Self::NationalPortal => "national_portal",
            Self::System => "system",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|actor| actor.as_str() == s)
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a transition leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// To this state.
    State(DossierState),
    /// The state does not change (apologize, re-assignment, rating); the action is still audited.
    Same,
    /// Back to the state the dossier was in when the pending supplement or payment request was
    /// made, which the service recorded on entering the waiting state.
    Resume,
}

/// One row of the table: `actors` may take `action` on a dossier in state `from`, leading to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The state the dossier is in.
    pub from: DossierState,
    /// What is done.
    pub action: Action,
    /// Who may do it.
    pub actors: &'static [Actor],
    /// Where it leads.
    pub to: Target,
}

const fn row(from: DossierState, action: Action, actors: &'static [Actor], to: Target) -> Transition {
    Transition { from, action, actors, to }
}

const fn to(state: DossierState) -> Target {
    Target::State(state)
}

/// The default roles of DESIGN.md §6.
///
/// `Admin` and `System` appear nowhere: an administrator sets the portal up but takes no desk
/// decisions (separation of duties), and no transition is automatic by default.
pub const DEFAULT_TRANSITIONS: &[Transition] = &[
    // The owner submits online; a clerk registers a walk-in or postal dossier at the desk; the
    // national portal files what citizens submitted there.
    row(Draft, Action::Submit, &[Citizen, Clerk, NationalPortal], to(Submitted)),
    // Reception (ND 61/2018 Điều 18): accept, refuse, or ask for more.
    row(Submitted, Action::Receive, &[Clerk], to(Received)),
    row(Submitted, Action::Refuse, &[Clerk], to(Refused)),
    // A dossier accepted at the counter can still be found ineligible before it is handed on.
    row(Received, Action::Refuse, &[Clerk], to(Refused)),
    row(Submitted, Action::RequestSupplement, &[Clerk], to(AwaitingSupplement)),
    row(Received, Action::RequestSupplement, &[Clerk], to(AwaitingSupplement)),
    row(AwaitingSupplement, Action::Supplement, &[Citizen], Target::Resume),
    // Handling (Điều 20): the agency's head or the desk assigns an officer.
    row(Received, Action::Assign, &[Clerk, Leader], to(InProgress)),
    row(InProgress, Action::Assign, &[Clerk, Leader], Target::Same),
    // During appraisal the request goes out through the desk, but the specialist decides it.
    row(InProgress, Action::RequestSupplement, &[Specialist], to(AwaitingSupplement)),
    row(InProgress, Action::ProposeResult, &[Specialist], to(PendingApproval)),
    // The service allows this only for procedures that need no leader's approval.
    row(InProgress, Action::Resolve, &[Specialist], to(Resolved)),
    row(PendingApproval, Action::Approve, &[Leader], to(Resolved)),
    row(PendingApproval, Action::SendBack, &[Leader], to(InProgress)),
    // Fees (ND 118/2025 Điều 24): cash at the desk, or online through the platform's callback.
    row(Received, Action::RequestPayment, &[Clerk], to(AwaitingPayment)),
    row(InProgress, Action::RequestPayment, &[Clerk], to(AwaitingPayment)),
    row(AwaitingPayment, Action::ConfirmPayment, &[Clerk, PaymentProvider], Target::Resume),
    // A payment that expired unpaid is requested again; the new request replaces it.
    row(AwaitingPayment, Action::RequestPayment, &[Clerk], Target::Same),
    // Return (Điều 21–22).
    row(Resolved, Action::ReturnResult, &[Clerk], to(Returned)),
    // Stopping (ND 118/2025 Điều 21) is a signed notice, hence the leader.
    row(Received, Action::Stop, &[Leader], to(Stopped)),
    row(InProgress, Action::Stop, &[Leader], to(Stopped)),
    row(PendingApproval, Action::Stop, &[Leader], to(Stopped)),
    row(AwaitingSupplement, Action::Stop, &[Leader], to(Stopped)),
    row(AwaitingPayment, Action::Stop, &[Leader], to(Stopped)),
    // Mẫu 04 is signed by the head of the agency; not while the clock is paused, as nothing is late then.
    row(Received, Action::Apologize, &[Leader], Target::Same),
    row(InProgress, Action::Apologize, &[Leader], Target::Same),
    row(PendingApproval, Action::Apologize, &[Leader], Target::Same),
    // Withdrawal is possible any time before resolution.
    row(Draft, Action::Withdraw, &[Citizen], to(Withdrawn)),
    row(Submitted, Action::Withdraw, &[Citizen], to(Withdrawn)),
    row(Received, Action::Withdraw, &[Citizen], to(Withdrawn)),
    row(InProgress, Action::Withdraw, &[Citizen], to(Withdrawn)),
    row(PendingApproval, Action::Withdraw, &[Citizen], to(Withdrawn)),
    row(AwaitingSupplement, Action::Withdraw, &[Citizen], to(Withdrawn)),
    row(AwaitingPayment, Action::Withdraw, &[Citizen], to(Withdrawn)),
    row(Returned, Action::Rate, &[Citizen], Target::Same),
];

/// Why a transition is refused. The HTTP layer maps `NotAllowedInState` to 409,
/// `ActorNotAllowed` to 403 and the resume errors to 500 (they mean the stored dossier is
/// inconsistent, not that the caller erred).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// No one may take this action in this state.
    #[error("action {action} is not allowed in state {state}")]
    NotAllowedInState {
        /// The attempted action.
        action: Action,
        /// The dossier's state.
        state: DossierState,
    },
    /// The action exists in this state, but not for this actor.
    #[error("{actor} may not {action} this dossier")]
    ActorNotAllowed {
        /// The attempted action.
        action: Action,
        /// Who attempted it.
        actor: Actor,
    },
    /// The transition resumes the earlier state, but none was recorded.
    #[error("no state to resume was recorded for a dossier in state {state}")]
    MissingResumeState {
        /// The dossier's state.
        state: DossierState,
    },
    /// The recorded state to resume could never have led to the current one.
    #[error("cannot resume state {resume_to} from state {state}")]
    InvalidResumeState {
        /// The dossier's state.
        state: DossierState,
        /// The recorded state.
        resume_to: DossierState,
    },
}

/// What is wrong with a transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// A row names no actor, so it would turn "nobody may" into 403 instead of 409.
    #[error("{action} from {from} names no actor")]
    NoActors {
        /// The row's state.
        from: DossierState,
        /// The row's action.
        action: Action,
    },
    /// Two rows give the same actor the same action in the same state, with different targets.
    #[error("{actor} doing {action} from {from} has two different targets")]
    Conflict {
        /// The rows' state.
        from: DossierState,
        /// The rows' action.
        action: Action,
        /// The actor named in both.
        actor: Actor,
    },
    /// A row leaves, or acts on, a finished dossier; only rating a returned one is allowed.
    #[error("{action} from terminal state {from} is not allowed")]
    LeavesTerminal {
        /// The terminal state.
        from: DossierState,
        /// The row's action.
        action: Action,
    },
    /// `Resume` is used outside the two waiting states.
    #[error("{action} from {from} resumes, but {from} is not a waiting state")]
    ResumeOutsideWait {
        /// The row's state.
        from: DossierState,
        /// The row's action.
        action: Action,
    },
    /// A waiting state is entered from a waiting state; only one state to resume is recorded,
    /// so the first would be lost.
    #[error("{action} from waiting state {from} enters another wait")]
    NestedWait {
        /// The waiting state.
        from: DossierState,
        /// The row's action.
        action: Action,
    },
    /// `Resume` is used from a waiting state that no row enters, so it could never succeed.
    #[error("{action} from {from} resumes, but no row leads to {from}")]
    ResumeWithoutOrigin {
        /// The waiting state.
        from: DossierState,
        /// The row's action.
        action: Action,
    },
    /// From this state no sequence of actions reaches a terminal state: a dossier would be stuck.
    #[error("state {state} has no path to a terminal state")]
    DeadEnd {
        /// The stuck state.
        state: DossierState,
    },
}

/// The transition table in force: [`DEFAULT_TRANSITIONS`] unless a province loads its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionTable {
    transitions: Vec<Transition>,
}

impl Default for TransitionTable {
    fn default() -> Self {
        Self::new(DEFAULT_TRANSITIONS.to_vec())
    }
}

impl TransitionTable {
    /// Wraps `transitions` as they are; call [`TransitionTable::validate`] before serving with them.
    pub fn new(transitions: Vec<Transition>) -> Self {
        Self { transitions }
    }

    /// The rows, in the order given.
    pub fn transitions(&self) -> &[Transition] {
        &self.transitions
    }

    /// The state `actor` taking `action` on a dossier in state `from` leads to. `resume_to` is the
    /// state recorded when the dossier entered its current waiting state (`awaiting_supplement`
    /// or `awaiting_payment`); it is ignored by transitions that do not resume.
    ///
    /// # Errors
    /// - [`TransitionError::NotAllowedInState`] if no row allows `action` from `from` at all;
    /// - [`TransitionError::ActorNotAllowed`] if rows do, but none for `actor`;
    /// - [`TransitionError::MissingResumeState`] if the row resumes and `resume_to` is `None`;
    /// - [`TransitionError::InvalidResumeState`] if the row resumes and no row leads from
    ///   `resume_to` into `from`.
    pub fn decide(
        &self,
        from: DossierState,
        action: Action,
        actor: Actor,
        resume_to: Option<DossierState>,
    ) -> Result<DossierState, TransitionError> {
        let mut rows = self.transitions.iter().filter(|t| t.from == from && t.action == action).peekable();
        if rows.peek().is_none() {
            return Err(TransitionError::NotAllowedInState { action, state: from });
        }
        let Some(transition) = rows.find(|t| t.actors.contains(&actor)) else {
            return Err(TransitionError::ActorNotAllowed { action, actor });
        };
        match transition.to {
            Target::State(state) => Ok(state),
            Target::Same => Ok(from),
            Target::Resume => {
                let resume_to = resume_to.ok_or(TransitionError::MissingResumeState { state: from })?;
                if self.enters(resume_to, from) {
                    Ok(resume_to)
                } else {
                    Err(TransitionError::InvalidResumeState { state: from, resume_to })
                }
            }
        }
    }

    /// The actions `actor` may take on a dossier in `state`, in [`Action::ALL`] order, for UIs.
    pub fn allowed_actions(&self, state: DossierState, actor: Actor) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|action| {
                self.transitions.iter().any(|t| t.from == state && t.action == *action && t.actors.contains(&actor))
            })
            .collect()
    }

    /// Checks that the table is safe to serve with.
    ///
    /// # Errors
    /// The first problem found, as a [`TableError`]: a row without actors, conflicting rows, a
    /// row acting on a terminal state other than rating a returned dossier, `Resume` outside a
    /// waiting state or with no row entering it, a wait entered from a wait, or a state the table
    /// mentions from which no terminal state can be reached.
    pub fn validate(&self) -> Result<(), TableError> {
        for (i, t) in self.transitions.iter().enumerate() {
            if t.actors.is_empty() {
                return Err(TableError::NoActors { from: t.from, action: t.action });
            }
            let rate_returned = t.from == Returned && t.action == Action::Rate && t.to == Target::Same;
            if t.from.is_terminal() && !rate_returned {
                return Err(TableError::LeavesTerminal { from: t.from, action: t.action });
            }
            if pauses_clock(t.from) {
                if let Target::State(next) = t.to {
                    if pauses_clock(next) {
                        return Err(TableError::NestedWait { from: t.from, action: t.action });
                    }
                }
            }
            if t.to == Target::Resume {
                if !pauses_clock(t.from) {
                    return Err(TableError::ResumeOutsideWait { from: t.from, action: t.action });
                }
                if self.origins(t.from).is_empty() {
                    return Err(TableError::ResumeWithoutOrigin { from: t.from, action: t.action });
                }
            }
            for other in &self.transitions[i + 1..] {
                if other.from == t.from && other.action == t.action && other.to != t.to {
                    if let Some(actor) = t.actors.iter().find(|a| other.actors.contains(a)) {
                        return Err(TableError::Conflict { from: t.from, action: t.action, actor: *actor });
                    }
                }
            }
        }
        self.check_paths_to_terminal()
    }

    /// Whether some row leads from `origin` straight into `state`: the only states a dossier in
    /// `state` may resume.
    fn enters(&self, origin: DossierState, state: DossierState) -> bool {
        self.transitions.iter().any(|t| t.from == origin && t.to == Target::State(state))
    }

    /// The states some row leads from straight into `state`.
    fn origins(&self, state: DossierState) -> Vec<DossierState> {
        DossierState::ALL.into_iter().filter(|origin| self.enters(*origin, state)).collect()
    }

    /// The states one row can lead to from `t.from`.
    fn successors(&self, t: &Transition) -> Vec<DossierState> {
        match t.to {
            Target::State(state) => vec![state],
            Target::Same => vec![t.from],
            Target::Resume => self.origins(t.from),
        }
    }

    fn check_paths_to_terminal(&self) -> Result<(), TableError> {
        // Backward fixpoint: a state can finish if it is terminal or some row leads to one that can.
        // Twelve states, so the quadratic loop is fine.
        let mut can_finish: HashSet<DossierState> = DossierState::ALL.into_iter().filter(|s| s.is_terminal()).collect();
        loop {
            let before = can_finish.len();
            for t in &self.transitions {
                if !can_finish.contains(&t.from) && self.successors(t).iter().any(|s| can_finish.contains(s)) {
                    can_finish.insert(t.from);
                }
            }
            if can_finish.len() == before {
                break;
            }
        }
        // Every state the table mentions, as a source or a target, is one a dossier can be in.
        let mentioned = self.transitions.iter().flat_map(|t| {
            let target = match t.to {
                Target::State(state) => Some(state),
                Target::Same | Target::Resume => None,
            };
            std::iter::once(t.from).chain(target)
        });
        for state in mentioned {
            if !can_finish.contains(&state) {
                return Err(TableError::DeadEnd { state });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn steps_are_early_on_time_or_late_by_business_day_and_time() {
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
        let due = t("2026-11-27T17:00:00+07:00");
        assert_eq!(timeliness(t("2026-11-26T16:59:00+07:00"), due), Timeliness::Early);
        // 23:30 on the 26th in Hà Nội is 16:30 UTC: still the day before, by business time.
        assert_eq!(timeliness(t("2026-11-26T23:30:00+07:00"), due), Timeliness::Early);
        assert_eq!(timeliness(t("2026-11-27T08:00:00+07:00"), due), Timeliness::OnTime);
        assert_eq!(timeliness(due, due), Timeliness::OnTime);
        assert_eq!(timeliness(t("2026-11-27T17:00:01+07:00"), due), Timeliness::Late);
    }

    use super::*;

    use Action as A;
    use Actor as R;
    use DossierState as S;

    /// What DESIGN.md §6 says should happen, written independently of the table.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Expected {
        Go(DossierState),
        Stay,
        Resume,
        WrongState,
        WrongActor,
    }

    /// The rule for (action, state) from DESIGN.md §6: who may, and where it leads.
    fn design_rule(action: Action, state: DossierState) -> Option<(&'static [Actor], Expected)> {
        use Expected::{Go, Resume, Stay};
        let before_resolution = matches!(
            state,
            S::Draft
                | S::Submitted
                | S::Received
                | S::InProgress
                | S::PendingApproval
                | S::AwaitingSupplement
                | S::AwaitingPayment
        );
        match (action, state) {
            (A::Submit, S::Draft) => Some((&[R::Citizen, R::Clerk, R::NationalPortal], Go(S::Submitted))),
            (A::Receive, S::Submitted) => Some((&[R::Clerk], Go(S::Received))),
            (A::Refuse, S::Submitted | S::Received) => Some((&[R::Clerk], Go(S::Refused))),
            (A::RequestSupplement, S::Submitted | S::Received) => Some((&[R::Clerk], Go(S::AwaitingSupplement))),
            (A::RequestSupplement, S::InProgress) => Some((&[R::Specialist], Go(S::AwaitingSupplement))),
            (A::Supplement, S::AwaitingSupplement) => Some((&[R::Citizen], Resume)),
            (A::Assign, S::Received) => Some((&[R::Clerk, R::Leader], Go(S::InProgress))),
            (A::Assign, S::InProgress) => Some((&[R::Clerk, R::Leader], Stay)),
            (A::ProposeResult, S::InProgress) => Some((&[R::Specialist], Go(S::PendingApproval))),
            (A::Approve, S::PendingApproval) => Some((&[R::Leader], Go(S::Resolved))),
            (A::SendBack, S::PendingApproval) => Some((&[R::Leader], Go(S::InProgress))),
            (A::RequestPayment, S::Received | S::InProgress) => Some((&[R::Clerk], Go(S::AwaitingPayment))),
            (A::ConfirmPayment, S::AwaitingPayment) => Some((&[R::Clerk, R::PaymentProvider], Resume)),
            (A::RequestPayment, S::AwaitingPayment) => Some((&[R::Clerk], Stay)),
            (A::Resolve, S::InProgress) => Some((&[R::Specialist], Go(S::Resolved))),
            (A::ReturnResult, S::Resolved) => Some((&[R::Clerk], Go(S::Returned))),
            (
                A::Stop,
                S::Received | S::InProgress | S::PendingApproval | S::AwaitingSupplement | S::AwaitingPayment,
            ) => Some((&[R::Leader], Go(S::Stopped))),
            (A::Apologize, S::Received | S::InProgress | S::PendingApproval) => Some((&[R::Leader], Stay)),
            (A::Withdraw, _) if before_resolution => Some((&[R::Citizen], Go(S::Withdrawn))),
            (A::Rate, S::Returned) => Some((&[R::Citizen], Stay)),
            _ => None,
        }
    }

    fn expected(state: DossierState, action: Action, actor: Actor) -> Expected {
        match design_rule(action, state) {
            None => Expected::WrongState,
            Some((actors, _)) if !actors.contains(&actor) => Expected::WrongActor,
            Some((_, outcome)) => outcome,
        }
    }

    /// The states each waiting state may go back to: where the request can be made from.
    fn legal_resume_origins(waiting: DossierState) -> &'static [DossierState] {
        match waiting {
            S::AwaitingSupplement => &[S::Submitted, S::Received, S::InProgress],
            S::AwaitingPayment => &[S::Received, S::InProgress],
            _ => &[],
        }
    }

    #[test]
    fn every_state_action_actor_and_resume_combination_matches_the_design() {
        let table = TransitionTable::default();
        let resume_options: Vec<Option<DossierState>> =
            std::iter::once(None).chain(DossierState::ALL.into_iter().map(Some)).collect();
        let mut asserted = 0;
        for state in DossierState::ALL {
            for action in Action::ALL {
                for actor in Actor::ALL {
                    for resume_to in &resume_options {
                        let want = match expected(state, action, actor) {
                            Expected::Go(next) => Ok(next),
                            Expected::Stay => Ok(state),
                            Expected::WrongState => Err(TransitionError::NotAllowedInState { action, state }),
                            Expected::WrongActor => Err(TransitionError::ActorNotAllowed { action, actor }),
                            Expected::Resume => match resume_to {
                                None => Err(TransitionError::MissingResumeState { state }),
                                Some(back) if legal_resume_origins(state).contains(back) => Ok(*back),
                                Some(back) => Err(TransitionError::InvalidResumeState { state, resume_to: *back }),
                            },
                        };
                        let got = table.decide(state, action, actor, *resume_to);
                        assert_eq!(got, want, "{actor} doing {action} from {state}, resume_to {resume_to:?}");
                        asserted += 1;
                    }
                }
            }
        }
        assert_eq!(asserted, 12 * 17 * 8 * 13);
    }

    #[test]
    fn allowed_actions_agree_with_decide_for_every_state_and_actor() {
        let table = TransitionTable::default();
        for state in DossierState::ALL {
            for actor in Actor::ALL {
                let want: Vec<Action> = Action::ALL
                    .into_iter()
                    .filter(|a| !matches!(expected(state, *a, actor), Expected::WrongState | Expected::WrongActor))
                    .collect();
                assert_eq!(table.allowed_actions(state, actor), want, "{actor} in {state}");
            }
        }
    }

    #[test]
    fn the_default_table_validates() {
        assert_eq!(TransitionTable::default().validate(), Ok(()));
        assert_eq!(TransitionTable::default().transitions(), DEFAULT_TRANSITIONS);
    }

    #[test]
    fn supplement_resumes_the_state_the_request_was_made_in() {
        let table = TransitionTable::default();
        for (origin, requester) in [(S::Submitted, R::Clerk), (S::Received, R::Clerk), (S::InProgress, R::Specialist)] {
            let waiting = table.decide(origin, A::RequestSupplement, requester, None);
            assert_eq!(waiting, Ok(S::AwaitingSupplement), "request from {origin}");
            let back = table.decide(S::AwaitingSupplement, A::Supplement, R::Citizen, Some(origin));
            assert_eq!(back, Ok(origin));
        }
    }

    #[test]
    fn payment_resumes_the_state_the_request_was_made_in_for_cash_and_online() {
        let table = TransitionTable::default();
        for origin in [S::Received, S::InProgress] {
            assert_eq!(table.decide(origin, A::RequestPayment, R::Clerk, None), Ok(S::AwaitingPayment));
            for confirmer in [R::Clerk, R::PaymentProvider] {
                let back = table.decide(S::AwaitingPayment, A::ConfirmPayment, confirmer, Some(origin));
                assert_eq!(back, Ok(origin), "{confirmer} confirming, requested in {origin}");
            }
        }
    }

    #[test]
    fn resuming_without_a_recorded_state_is_an_internal_inconsistency() {
        let table = TransitionTable::default();
        assert_eq!(
            table.decide(S::AwaitingSupplement, A::Supplement, R::Citizen, None),
            Err(TransitionError::MissingResumeState { state: S::AwaitingSupplement })
        );
        assert_eq!(
            table.decide(S::AwaitingPayment, A::ConfirmPayment, R::PaymentProvider, None),
            Err(TransitionError::MissingResumeState { state: S::AwaitingPayment })
        );
    }

    #[test]
    fn resuming_a_state_that_cannot_make_the_request_is_refused() {
        let table = TransitionTable::default();
        // A submitted dossier can be asked for documents but not for fees.
        assert_eq!(
            table.decide(S::AwaitingPayment, A::ConfirmPayment, R::Clerk, Some(S::Submitted)),
            Err(TransitionError::InvalidResumeState { state: S::AwaitingPayment, resume_to: S::Submitted })
        );
        assert_eq!(
            table.decide(S::AwaitingSupplement, A::Supplement, R::Citizen, Some(S::Resolved)),
            Err(TransitionError::InvalidResumeState { state: S::AwaitingSupplement, resume_to: S::Resolved })
        );
    }

    #[test]
    fn a_known_action_by_the_wrong_role_is_distinguished_from_one_impossible_in_the_state() {
        let table = TransitionTable::default();
        assert_eq!(
            table.decide(S::PendingApproval, A::Approve, R::Clerk, None),
            Err(TransitionError::ActorNotAllowed { action: A::Approve, actor: R::Clerk })
        );
        assert_eq!(
            table.decide(S::InProgress, A::Approve, R::Leader, None),
            Err(TransitionError::NotAllowedInState { action: A::Approve, state: S::InProgress })
        );
        // The desk asks at reception, the specialist during handling.
        assert_eq!(
            table.decide(S::InProgress, A::RequestSupplement, R::Clerk, None),
            Err(TransitionError::ActorNotAllowed { action: A::RequestSupplement, actor: R::Clerk })
        );
    }

    #[test]
    fn a_dossier_walks_the_happy_path_and_is_rated_without_changing_state() {
        let table = TransitionTable::default();
        let steps = [
            (A::Submit, R::Citizen, S::Submitted),
            (A::Receive, R::Clerk, S::Received),
            (A::Assign, R::Leader, S::InProgress),
            (A::Assign, R::Clerk, S::InProgress),
            (A::ProposeResult, R::Specialist, S::PendingApproval),
            (A::SendBack, R::Leader, S::InProgress),
            (A::ProposeResult, R::Specialist, S::PendingApproval),
            (A::Apologize, R::Leader, S::PendingApproval),
            (A::Approve, R::Leader, S::Resolved),
            (A::ReturnResult, R::Clerk, S::Returned),
            (A::Rate, R::Citizen, S::Returned),
        ];
        let mut state = S::Draft;
        for (action, actor, want) in steps {
            state = table.decide(state, action, actor, None).expect("each step is allowed");
            assert_eq!(state, want, "after {action}");
        }
    }

    #[test]
    fn admin_and_system_have_no_desk_powers() {
        let table = TransitionTable::default();
        for state in DossierState::ALL {
            assert!(table.allowed_actions(state, R::Admin).is_empty(), "admin in {state}");
            assert!(table.allowed_actions(state, R::System).is_empty(), "system in {state}");
        }
    }

    #[test]
    fn allowed_actions_list_what_a_role_sees_on_its_queue() {
        let table = TransitionTable::default();
        assert_eq!(table.allowed_actions(S::Submitted, R::Clerk), [A::Receive, A::Refuse, A::RequestSupplement]);
        assert_eq!(table.allowed_actions(S::Draft, R::Citizen), [A::Submit, A::Withdraw]);
        assert_eq!(
            table.allowed_actions(S::PendingApproval, R::Leader),
            [A::Approve, A::SendBack, A::Stop, A::Apologize]
        );
        assert_eq!(table.allowed_actions(S::AwaitingPayment, R::PaymentProvider), [A::ConfirmPayment]);
        assert_eq!(table.allowed_actions(S::Returned, R::Citizen), [A::Rate]);
        assert!(table.allowed_actions(S::Withdrawn, R::Citizen).is_empty());
    }

    #[test]
    fn national_status_codes_follow_trang_thai_ho_so() {
        let want = [
            (S::Draft, None),
            (S::Submitted, Some(1)),
            (S::Received, Some(2)),
            (S::Refused, Some(3)),
            (S::InProgress, Some(4)),
            (S::PendingApproval, Some(4)),
            (S::AwaitingSupplement, Some(5)),
            (S::AwaitingPayment, Some(6)),
            (S::Withdrawn, Some(7)),
            (S::Stopped, Some(8)),
            (S::Resolved, Some(9)),
            (S::Returned, Some(10)),
        ];
        assert_eq!(want.map(|(s, _)| s), DossierState::ALL);
        for (state, code) in want {
            assert_eq!(state.national_status(), code, "{state}");
        }
    }

    #[test]
    fn terminal_states_are_refused_withdrawn_stopped_and_returned_but_not_resolved() {
        let terminal: Vec<DossierState> = DossierState::ALL.into_iter().filter(|s| s.is_terminal()).collect();
        assert_eq!(terminal, [S::Refused, S::Withdrawn, S::Stopped, S::Returned]);
    }

    #[test]
    fn only_the_waiting_states_pause_the_clock() {
        let paused: Vec<DossierState> = DossierState::ALL.into_iter().filter(|s| pauses_clock(*s)).collect();
        assert_eq!(paused, [S::AwaitingSupplement, S::AwaitingPayment]);
    }

    #[test]
    fn finished_for_766_means_codes_3_7_8_9_and_10() {
        let finished: Vec<DossierState> =
            DossierState::ALL.into_iter().filter(|s| counts_as_finished_for_766(*s)).collect();
        assert_eq!(finished, [S::Refused, S::Withdrawn, S::Stopped, S::Resolved, S::Returned]);
    }

    #[test]
    fn wire_names_are_snake_case_and_round_trip() {
        let states = [
            "draft",
            "submitted",
            "received",
            "refused",
            "in_progress",
            "pending_approval",
            "awaiting_supplement",
            "awaiting_payment",
            "withdrawn",
            "stopped",
            "resolved",
            "returned",
        ];
        let actions = [
            "submit",
            "receive",
            "refuse",
            "request_supplement",
            "supplement",
            "assign",
            "propose_result",
            "approve",
            "send_back",
            "request_payment",
            "confirm_payment",
            "resolve",
            "return_result",
            "stop",
            "apologize",
            "withdraw",
            "rate",
        ];
        let actors =
            ["citizen", "clerk", "specialist", "leader", "admin", "payment_provider", "national_portal", "system"];
        assert_eq!(DossierState::ALL.map(DossierState::as_str), states);
        assert_eq!(Action::ALL.map(Action::as_str), actions);
        assert_eq!(Actor::ALL.map(Actor::as_str), actors);
        for state in DossierState::ALL {
            assert_eq!(serde_json::to_value(state).expect("serialise"), state.as_str());
            let parsed: DossierState = serde_json::from_value(state.as_str().into()).expect("deserialise");
            assert_eq!(parsed, state);
            assert_eq!(DossierState::parse(state.as_str()), Some(state));
            assert_eq!(state.to_string(), state.as_str());
        }
        for action in Action::ALL {
            assert_eq!(serde_json::to_value(action).expect("serialise"), action.as_str());
            let parsed: Action = serde_json::from_value(action.as_str().into()).expect("deserialise");
            assert_eq!(parsed, action);
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        for actor in Actor::ALL {
            assert_eq!(serde_json::to_value(actor).expect("serialise"), actor.as_str());
            let parsed: Actor = serde_json::from_value(actor.as_str().into()).expect("deserialise");
            assert_eq!(parsed, actor);
            assert_eq!(Actor::parse(actor.as_str()), Some(actor));
        }
        for unknown in ["", "Draft", "in-progress", "cancelled"] {
            assert_eq!(DossierState::parse(unknown), None);
            assert!(serde_json::from_value::<DossierState>(unknown.into()).is_err());
        }
        assert_eq!(Action::parse("Approve"), None);
        assert_eq!(Actor::parse("root"), None);
    }

    #[test]
    fn openapi_schemas_list_the_wire_names() {
        fn enum_names<T: utoipa::PartialSchema>() -> serde_json::Value {
            serde_json::to_value(T::schema()).expect("schema serialises")["enum"].clone()
        }
        assert_eq!(enum_names::<DossierState>(), serde_json::json!(DossierState::ALL.map(DossierState::as_str)));
        assert_eq!(enum_names::<Action>(), serde_json::json!(Action::ALL.map(Action::as_str)));
        assert_eq!(enum_names::<Actor>(), serde_json::json!(Actor::ALL.map(Actor::as_str)));
    }

    fn with_extra(extra: Transition) -> TransitionTable {
        let mut rows = DEFAULT_TRANSITIONS.to_vec();
        rows.push(extra);
        TransitionTable::new(rows)
    }

    #[test]
    fn a_table_leaving_withdrawn_fails_validation() {
        let table = with_extra(row(S::Withdrawn, A::Submit, &[R::Citizen], to(S::Submitted)));
        assert_eq!(table.validate(), Err(TableError::LeavesTerminal { from: S::Withdrawn, action: A::Submit }));
        let table = with_extra(row(S::Withdrawn, A::Rate, &[R::Citizen], Target::Same));
        assert_eq!(table.validate(), Err(TableError::LeavesTerminal { from: S::Withdrawn, action: A::Rate }));
        // Rating that reopens the dossier leaves the terminal state too.
        let mut rows: Vec<Transition> = DEFAULT_TRANSITIONS.iter().copied().filter(|t| t.action != A::Rate).collect();
        rows.push(row(S::Returned, A::Rate, &[R::Citizen], to(S::Resolved)));
        let table = TransitionTable::new(rows);
        assert_eq!(table.validate(), Err(TableError::LeavesTerminal { from: S::Returned, action: A::Rate }));
    }

    #[test]
    fn validation_rejects_conflicting_rows_but_not_repeated_ones() {
        let table = with_extra(row(S::Submitted, A::Receive, &[R::Leader, R::Clerk], to(S::InProgress)));
        assert_eq!(
            table.validate(),
            Err(TableError::Conflict { from: S::Submitted, action: A::Receive, actor: R::Clerk })
        );
        let table = with_extra(row(S::Submitted, A::Receive, &[R::Leader, R::Clerk], to(S::Received)));
        assert_eq!(table.validate(), Ok(()));
        assert_eq!(table.decide(S::Submitted, A::Receive, R::Leader, None), Ok(S::Received));
    }

    #[test]
    fn validation_rejects_misused_resume() {
        let table = with_extra(row(S::InProgress, A::Supplement, &[R::Citizen], Target::Resume));
        assert_eq!(table.validate(), Err(TableError::ResumeOutsideWait { from: S::InProgress, action: A::Supplement }));
        let table = TransitionTable::new(vec![
            row(S::AwaitingPayment, A::ConfirmPayment, &[R::Clerk], Target::Resume),
            row(S::AwaitingPayment, A::Stop, &[R::Leader], to(S::Stopped)),
        ]);
        assert_eq!(
            table.validate(),
            Err(TableError::ResumeWithoutOrigin { from: S::AwaitingPayment, action: A::ConfirmPayment })
        );
        let table = with_extra(row(S::AwaitingPayment, A::RequestSupplement, &[R::Clerk], to(S::AwaitingSupplement)));
        assert_eq!(
            table.validate(),
            Err(TableError::NestedWait { from: S::AwaitingPayment, action: A::RequestSupplement })
        );
    }

    #[test]
    fn validation_rejects_rows_without_actors() {
        let table = with_extra(row(S::Submitted, A::Stop, &[], to(S::Stopped)));
        assert_eq!(table.validate(), Err(TableError::NoActors { from: S::Submitted, action: A::Stop }));
    }

    #[test]
    fn validation_rejects_a_state_with_no_way_out() {
        // Without return_result a resolved dossier would never be finished.
        let rows = DEFAULT_TRANSITIONS.iter().copied().filter(|t| t.action != A::ReturnResult).collect();
        assert_eq!(TransitionTable::new(rows).validate(), Err(TableError::DeadEnd { state: S::Resolved }));
        // A loop between two states is no way out either.
        let table = TransitionTable::new(vec![
            row(S::Draft, A::Submit, &[R::Citizen], to(S::Submitted)),
            row(S::Submitted, A::Receive, &[R::Clerk], to(S::Received)),
            row(S::Received, A::Assign, &[R::Clerk], to(S::InProgress)),
            row(S::InProgress, A::SendBack, &[R::Leader], to(S::Received)),
        ]);
        assert_eq!(table.validate(), Err(TableError::DeadEnd { state: S::Draft }));
    }

    #[test]
    fn a_province_table_is_obeyed() {
        // A province that lets a specialist stop a dossier and routes every result through a leader.
        let mut rows: Vec<Transition> =
            DEFAULT_TRANSITIONS.iter().copied().filter(|t| t.action != A::Resolve).collect();
        rows.push(row(S::InProgress, A::Stop, &[R::Leader, R::Specialist], to(S::Stopped)));
        let table = TransitionTable::new(rows);
        assert_eq!(table.validate(), Ok(()));
        assert_eq!(table.decide(S::InProgress, A::Stop, R::Specialist, None), Ok(S::Stopped));
        assert_eq!(
            table.decide(S::InProgress, A::Resolve, R::Specialist, None),
            Err(TransitionError::NotAllowedInState { action: A::Resolve, state: S::InProgress })
        );
    }

    #[test]
    fn errors_read_as_sentences() {
        let e = TransitionError::NotAllowedInState { action: A::Approve, state: S::Draft };
        assert_eq!(e.to_string(), "action approve is not allowed in state draft");
        let e = TransitionError::ActorNotAllowed { action: A::Approve, actor: R::Clerk };
        assert_eq!(e.to_string(), "clerk may not approve this dossier");
    }
}
