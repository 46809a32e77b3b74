//! Choosing and ranking hints for a failure.
//!
//! Ranking: hints that apply to the connection's flow come before those that do not; then the
//! strongest trigger wins (an exact Salesforce description beats an error code alone, which beats a
//! bare HTTP status); ties keep catalog order. Each chosen hint is followed by the hints that ask to
//! be shown with it for this flow (`also` triggers).

use crate::profile::Flow;
use crate::salesforce::{Failure, HintRef};

use super::catalog::{Catalog, Hint, Trigger, catalog};

/// The condition name `Failure::NeedsLogin` is matched as.
pub const NEEDS_LOGIN_CONDITION: &str = "needs-login";

const WEIGHT_LOCAL: u8 = 100;
const WEIGHT_DESCRIPTION_EXACT: u8 = 90;
const WEIGHT_DESCRIPTION_PREFIX: u8 = 85;
const WEIGHT_ERROR_ONLY: u8 = 40;
const WEIGHT_SPECIFIC: u8 = 90;
const WEIGHT_HTTP_STATUS: u8 = 30;

/// Hints for a failure, most likely cause first.
pub fn hints_for(failure: &Failure, flow: Flow) -> Vec<HintRef> {
    ranked(catalog(), failure, flow)
        .into_iter()
        .map(|h| h.to_ref_for(flow))
        .collect()
}

/// Like [`hints_for`], but the catalog entries themselves (cause, Setup page, ...).
pub fn ranked<'c>(catalog: &'c Catalog, failure: &Failure, flow: Flow) -> Vec<&'c Hint> {
    let mut scored: Vec<(bool, u8, usize, &Hint)> = catalog
        .hints()
        .iter()
        .enumerate()
        .filter_map(|(order, hint)| {
            // A local condition named after a hint selects it without an explicit trigger.
            let by_name =
                matches!(failure, Failure::Local { condition, .. } if condition.hint_id() == hint.id)
                    .then_some(WEIGHT_LOCAL);
            let best = hint
                .triggers
                .iter()
                .filter_map(|t| score(t, failure))
                .chain(by_name)
                .max()?;
            Some((hint.applies_to(flow), best, order, hint))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));

    let mut out: Vec<&Hint> = Vec::new();
    for (_, _, _, hint) in scored {
        push_with_companions(catalog, hint, flow, &mut out);
    }
    out
}

fn push_with_companions<'c>(
    catalog: &'c Catalog,
    hint: &'c Hint,
    flow: Flow,
    out: &mut Vec<&'c Hint>,
) {
    if out.iter().any(|h| h.id == hint.id) {
        return;
    }
    out.push(hint);
    for companion in catalog.hints() {
        let wanted = companion.triggers.iter().any(|t| {
            matches!(t, Trigger::Also { with, flows } if *with == hint.id && flows.contains(&flow))
        });
        if wanted {
            push_with_companions(catalog, companion, flow, out);
        }
    }
}

fn eq_ci(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn starts_with_ci(text: &str, prefix: &str) -> bool {
    let (text, prefix) = (text.trim(), prefix.trim());
    text.len() >= prefix.len()
        && text
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// How strongly one trigger matches a failure, or `None`.
fn score(trigger: &Trigger, failure: &Failure) -> Option<u8> {
    match (trigger, failure) {
        (
            Trigger::Oauth {
                error,
                description,
                prefix,
                weight,
            },
            Failure::OAuth {
                error: got_error,
                description: got_description,
                ..
            },
        ) => {
            if !eq_ci(error, got_error) {
                return None;
            }
            let default = match description {
                None => WEIGHT_ERROR_ONLY,
                Some(wanted) => {
                    let got = got_description.as_deref()?;
                    if *prefix {
                        if !starts_with_ci(got, wanted) {
                            return None;
                        }
                        WEIGHT_DESCRIPTION_PREFIX
                    } else {
                        if !eq_ci(got, wanted) {
                            return None;
                        }
                        WEIGHT_DESCRIPTION_EXACT
                    }
                }
            };
            Some(weight.unwrap_or(default))
        }
        (
            Trigger::Rest { error_code, weight },
            Failure::Rest {
                error_code: got, ..
            },
        ) => eq_ci(error_code, got).then(|| weight.unwrap_or(WEIGHT_SPECIFIC)),
        // OAuth errors always carry their own code, so a bare status only speaks for REST
        // answers and pages that are not Salesforce's.
        (
            Trigger::HttpStatus { status, weight },
            Failure::Rest { .. } | Failure::NotSalesforce { .. },
        ) => {
            let got = failure.parts().0?;
            (got == *status).then(|| weight.unwrap_or(WEIGHT_HTTP_STATUS))
        }
        (Trigger::Transport { transport, weight }, Failure::Transport { transport: got, .. }) => {
            (transport == got).then(|| weight.unwrap_or(WEIGHT_SPECIFIC))
        }
        (Trigger::NotSalesforce { weight }, Failure::NotSalesforce { .. }) => {
            Some(weight.unwrap_or(WEIGHT_SPECIFIC))
        }
        (Trigger::Local { condition, weight }, Failure::Local { condition: got, .. }) => {
            eq_ci(condition, got.as_str()).then(|| weight.unwrap_or(WEIGHT_LOCAL))
        }
        (Trigger::Local { condition, weight }, Failure::NeedsLogin { .. }) => {
            (condition == NEEDS_LOGIN_CONDITION).then(|| weight.unwrap_or(WEIGHT_LOCAL))
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "matcher_tests.rs"]
mod tests;
