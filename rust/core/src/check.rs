//! The check contract: a check looks at one thing and returns what it saw as data.
//! It sits below the checks and the Azure facts they share, so neither imports the
//! other to name it.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::catalogue::{self, Vars};
use crate::env::HostEnv;
use crate::model::{DiagnosisId, Evidence, FixImpact, FixOffer, Remedy, Request, Status};

/// Everything a check may read: the request and the local environment.
pub struct Context {
    pub request: Request,
    pub env: HostEnv,
    /// Fires when the run is cancelled: every wait of a check wakes on it.
    pub cancel: crate::cancel::Cancel,
}

/// Whether a check has anything to look at for this request.
pub enum Applicability {
    Run,
    /// Listed as `skip` with this reason (standalone mode, tool not present).
    Skip(String),
    /// Not listed at all: the client in use never does this.
    NotListed,
}

/// The results of the checks this one declared in `after()` or `requires()`.
#[derive(Default, Clone)]
pub struct Deps {
    pub(crate) outputs: HashMap<&'static str, Arc<dyn Any + Send + Sync>>,
}

impl Deps {
    pub fn get<T: Any + Send + Sync>(&self, check: &str) -> Option<&T> {
        self.outputs.get(check).and_then(|v| v.downcast_ref::<T>())
    }
}

/// A change a fix would make; held by the engine, applied only on request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixAction {
    /// Add owner-execute to `path`, which must stay inside `folder` and be owned by
    /// the user running the tool.
    OwnerExecute { path: String, folder: String },
    /// Register Microsoft.HybridConnectivity and wait until it is Registered.
    RegisterProvider { subscription: String },
    /// PUT the SSH service configuration for `port` on the request's machine (of
    /// `resource_type`; the path is rebuilt from validated segments), creating the
    /// endpoint first.
    AllowSshPort {
        resource_type: String,
        port: u16,
        create_endpoint: bool,
    },
}

pub struct OfferedFix {
    pub offer: FixOffer,
    pub action: FixAction,
}

/// What a check saw. The engine adds id, title and timing.
pub struct Outcome {
    pub status: Status,
    pub diagnosis: Option<DiagnosisId>,
    pub summary: String,
    pub evidence: Evidence,
    pub remedy: Option<Remedy>,
    pub fix: Option<OfferedFix>,
    /// Data for checks that run after this one.
    pub output: Option<Arc<dyn Any + Send + Sync>>,
}

impl Outcome {
    pub fn new(status: Status, summary: impl Into<String>) -> Outcome {
        Outcome {
            status,
            diagnosis: None,
            summary: summary.into(),
            evidence: Evidence::new(),
            remedy: None,
            fix: None,
            output: None,
        }
    }

    pub fn pass(summary: impl Into<String>) -> Outcome {
        Outcome::new(Status::Pass, summary)
    }

    pub fn skip(summary: impl Into<String>) -> Outcome {
        Outcome::new(Status::Skip, summary)
    }

    /// A problem: `status` fail or warn, with the catalogue's remedy filled with `vars`.
    pub fn problem(
        status: Status,
        diagnosis: DiagnosisId,
        summary: impl Into<String>,
        vars: &Vars,
    ) -> Outcome {
        let mut outcome = Outcome::new(status, summary);
        outcome.diagnosis = Some(diagnosis);
        outcome.remedy = Some(catalogue::remedy(diagnosis, vars));
        outcome
    }

    pub fn evidence(mut self, key: impl Into<String>, value: impl Into<String>) -> Outcome {
        self.evidence.insert(key.into(), value.into());
        self
    }

    pub fn with_output<T: Any + Send + Sync>(mut self, output: T) -> Outcome {
        self.output = Some(Arc::new(output));
        self
    }

    pub fn with_fix(mut self, id: String, description: String, action: FixAction) -> Outcome {
        self.fix = Some(OfferedFix {
            offer: FixOffer {
                id,
                description,
                impact: FixImpact::LocalFile,
            },
            action,
        });
        self
    }
}

/// A check failed to look (as opposed to finding a problem): becomes status `error`.
#[derive(Debug)]
pub struct CheckError(pub String);

impl<E: std::fmt::Display> From<E> for CheckError {
    fn from(e: E) -> Self {
        CheckError(e.to_string())
    }
}

pub trait Check: Send + Sync {
    /// Stable dotted id, e.g. `client.proxy-binary`.
    fn id(&self) -> &'static str;
    fn title(&self) -> &'static str;
    /// Catalogue ids this check can report.
    fn diagnoses(&self) -> &'static [DiagnosisId];
    /// Checks that must have passed (or warned); otherwise this one is skipped with
    /// `blockedBy`.
    fn requires(&self) -> &'static [&'static str] {
        &[]
    }
    /// Checks whose output this one reads if present, whatever their status.
    fn after(&self) -> &'static [&'static str] {
        &[]
    }
    fn timeout(&self) -> Duration {
        Duration::from_secs(5)
    }
    /// Hidden nodes gather data for the checks after them (one Azure call each, so
    /// independent calls go out together) and never appear in the report.
    fn hidden(&self) -> bool {
        false
    }
    fn applies(&self, ctx: &Context) -> Applicability;
    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError>;
}
