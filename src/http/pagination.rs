//! Page parameters and the list envelope shared by every list endpoint (`per_page` ≤ 100).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, FieldError};

/// Largest page a client may ask for.
pub const MAX_PER_PAGE: u64 = 100;
const DEFAULT_PER_PAGE: u64 = 20;

/// `page` (from 1) and `per_page` (1–100) query parameters.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Page number, from 1. Default 1.
    pub page: Option<u64>,
    /// Items per page, 1–100. Default 20.
    pub per_page: Option<u64>,
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Page number, from 1.
    pub page: u64,
    /// Items per page.
    pub per_page: u64,
}

impl Page {
    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.per_page
    }
}

impl TryFrom<PageQuery> for Page {
    type Error = ApiError;

    fn try_from(q: PageQuery) -> Result<Self, ApiError> {
        let page = q.page.unwrap_or(1);
        let per_page = q.per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut errors = Vec::new();
        if page == 0 || page > 1_000_000 {
            errors.push(FieldError { field: "page".into(), message: "must be between 1 and 1000000".into() });
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            errors.push(FieldError {
                field: "per_page".into(),
                message: format!("must be between 1 and {MAX_PER_PAGE}"),
            });
        }
        if errors.is_empty() {
            Ok(Page { page, per_page })
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Page number, from 1.
    pub page: u64,
    /// Items per page.
    pub per_page: u64,
    /// Total items across all pages.
    pub total: u64,
}

impl<T> Paginated<T> {
    /// One page of `items` out of `total`, converting each item to its response shape.
    pub fn new<S>(items: Vec<S>, page: Page, total: u64) -> Self
    where
        T: From<S>,
    {
        Self { items: items.into_iter().map(T::from).collect(), page: page.page, per_page: page.per_page, total }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_first_page_of_twenty() {
        let page = Page::try_from(PageQuery { page: None, per_page: None }).unwrap();
        assert_eq!(page, Page { page: 1, per_page: 20 });
        assert_eq!(page.offset(), 0);
    }

    #[test]
    fn out_of_range_values_are_refused() {
        for (page, per_page) in [(Some(0), None), (None, Some(0)), (None, Some(101))] {
            let err = Page::try_from(PageQuery { page, per_page }).unwrap_err();
            assert_eq!(err.code(), "validation_failed");
        }
    }

    #[test]
    fn offset_skips_whole_pages() {
        assert_eq!(Page { page: 3, per_page: 25 }.offset(), 50);
    }
}
