//! Opaque keyset cursors. A cursor carries the sort key of the last row of a
//! page and a fingerprint of the filters it was made for, so that it cannot be
//! reused with other filters and silently skip rows.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use riskdesk_api::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, ProblemCode};
use sha2::{Digest, Sha256};

use super::problem::{ApiError, ApiResult};
use crate::store::PageRequest;

#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor {
    /// Sort key of the last row returned.
    k: Vec<i64>,
    /// Fingerprint of the filters.
    f: String,
}

/// The list's paging parameters, which the answers over every row under a
/// list's filters (its export, the queue's counts) refuse.
pub const PAGING: [&str; 2] = ["cursor", "limit"];

/// Refuses paging where an answer covers every row, rather than ignoring
/// it, so that nobody takes a page for the whole list.
pub fn unpaged(cursor: Option<&str>, limit: Option<u32>) -> ApiResult<()> {
    if cursor.is_some() || limit.is_some() {
        return Err(ApiError::invalid(
            "this answers for every row under the filters: cursor and limit are for the lists",
        ));
    }
    Ok(())
}

/// The page a request asks for, checked against the filters it names.
pub fn page_request(
    cursor: Option<&str>,
    limit: Option<u32>,
    filters: &impl std::fmt::Debug,
    key_len: usize,
) -> ApiResult<PageRequest> {
    let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "limit must be 1–{MAX_PAGE_SIZE}, got {limit}"
        )));
    }
    let after = match cursor {
        None => None,
        Some(text) => {
            let cursor = decode(text).ok_or_else(|| {
                ApiError::new(
                    ProblemCode::BadCursor,
                    "the cursor is not one this service issued",
                )
            })?;
            if cursor.f != fingerprint(filters) || cursor.k.len() != key_len {
                return Err(ApiError::new(
                    ProblemCode::BadCursor,
                    "the cursor belongs to a list with other filters or sort; start from the first page",
                ));
            }
            Some(cursor.k)
        }
    };
    Ok(PageRequest { after, limit })
}

/// A page of `rows` mapped to views, with the cursor after the last row when
/// the page is full.
pub fn page<R, V>(
    rows: Vec<R>,
    request: &PageRequest,
    filters: &impl std::fmt::Debug,
    key: impl Fn(&R) -> Vec<i64>,
    view: impl Fn(R) -> ApiResult<V>,
) -> ApiResult<Page<V>> {
    let full = rows.len() == request.limit as usize;
    let next_cursor = rows
        .last()
        .filter(|_| full)
        .map(|last| encode(key(last), filters));
    let items = rows.into_iter().map(view).collect::<ApiResult<Vec<V>>>()?;
    Ok(Page { items, next_cursor })
}

fn fingerprint(filters: &impl std::fmt::Debug) -> String {
    let digest = Sha256::digest(format!("{filters:?}").as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn encode(k: Vec<i64>, filters: &impl std::fmt::Debug) -> String {
    let json = serde_json::to_vec(&Cursor {
        k,
        f: fingerprint(filters),
    })
    .unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

fn decode(text: &str) -> Option<Cursor> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_other_filters_and_garbage() {
        let cursor = encode(vec![3, 1_700_000_000_000, 42], &"status=open");
        let ok = page_request(Some(&cursor), Some(10), &"status=open", 3).unwrap();
        assert_eq!(ok.after, Some(vec![3, 1_700_000_000_000, 42]));
        for (text, filters) in [
            (cursor.as_str(), "status=closed"),
            ("garbage!", "status=open"),
            ("", "x"),
        ] {
            let err = page_request(Some(text), None, &filters, 3).unwrap_err();
            assert!(matches!(err, ApiError::Problem(p) if p.code == ProblemCode::BadCursor));
        }
        assert!(page_request(None, Some(0), &"", 1).is_err());
        assert!(page_request(None, Some(201), &"", 1).is_err());
        assert_eq!(page_request(None, None, &"", 1).unwrap().limit, 50);
    }
}
