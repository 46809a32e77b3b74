//! The engine: hosts, one file per flow, the token cache, userinfo, the API probe, revoke and the
//! connection test (PRODUCT.md sections 2 and 5). No terminal code here.

pub mod report;

pub use report::{
    Failure, HintRef, StepError, StepName, StepReport, TestReport, TransportKind, UserInfo,
};
