//! CSV exports: a list streamed from the service a piece at a time, under
//! the list's filters, its columns in words in the operator's language.

use std::time::Duration;

use reqwest::Method;
use riskdesk_api::audit::AuditQuery;
use riskdesk_api::lists::{AlertQuery, DisputeQuery, TransactionQuery};
use riskdesk_domain::words::Lang;

use crate::{Client, ClientError};

impl Client {
    /// An account's transactions as CSV (see [`Download`]).
    pub async fn export_transactions(
        &self,
        account_id: i64,
        query: &TransactionQuery,
        lang: Lang,
    ) -> Result<Download, ClientError> {
        let filters = TransactionQuery {
            cursor: None,
            limit: None,
            ..query.clone()
        };
        self.download(
            &format!("/v1/accounts/{account_id}/transactions.csv"),
            &filters,
            lang,
        )
        .await
    }

    /// The alert queue as CSV, under the queue's filters.
    pub async fn export_alerts(
        &self,
        query: &AlertQuery,
        lang: Lang,
    ) -> Result<Download, ClientError> {
        let filters = AlertQuery {
            cursor: None,
            limit: None,
            ..query.clone()
        };
        self.download("/v1/alerts.csv", &filters, lang).await
    }

    pub async fn export_disputes(
        &self,
        query: &DisputeQuery,
        lang: Lang,
    ) -> Result<Download, ClientError> {
        let filters = DisputeQuery {
            cursor: None,
            limit: None,
            ..query.clone()
        };
        self.download("/v1/disputes.csv", &filters, lang).await
    }

    pub async fn export_audit(
        &self,
        query: &AuditQuery,
        lang: Lang,
    ) -> Result<Download, ClientError> {
        let filters = AuditQuery {
            cursor: None,
            limit: None,
            ..query.clone()
        };
        self.download("/v1/audit.csv", &filters, lang).await
    }

    /// A streamed GET of every row under the filters (the callers leave out
    /// the list's page, which the exports refuse). Never retried (the service
    /// audits every export) and without the overall timeout, which a long
    /// export would outlast: the timeout bounds the wait for each piece.
    /// Its columns in words are in `lang`.
    async fn download<Q: serde::Serialize>(
        &self,
        path: &str,
        query: &Q,
        lang: Lang,
    ) -> Result<Download, ClientError> {
        let language = match lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        };
        let request = self
            .request(Method::GET, path)
            .query(query)
            .header(reqwest::header::ACCEPT_LANGUAGE, language)
            .timeout(DOWNLOAD_LIMIT);
        Ok(Download {
            response: self.open_body(request).await?,
            client: self.clone(),
        })
    }
}

/// The longest a download may take in all; each piece of it must still
/// arrive within the client's timeout.
const DOWNLOAD_LIMIT: Duration = Duration::from_secs(24 * 3600);

/// A file streaming from the service (a CSV export), read a piece at a time.
#[derive(Debug)]
pub struct Download {
    response: reqwest::Response,
    client: Client,
}

impl Download {
    /// The next piece, or `None` at the end. A stream the service ended with
    /// an error is an error here, never a short file passed off as complete.
    pub async fn chunk(&mut self) -> Result<Option<bytes::Bytes>, ClientError> {
        let timeout = self.client.timeout;
        tokio::time::timeout(timeout, self.response.chunk())
            .await
            .map_err(|_| ClientError::Timeout(timeout))?
            .map_err(|e| self.client.transport_error(&e))
    }
}
