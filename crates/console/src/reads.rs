//! What the screens read: each a call of the session's client, a page or a
//! record as the service answers it (Account 360 reads its parts at once).

use riskdesk_api::Page;
use riskdesk_api::audit::{AuditEntryView, AuditQuery, RevealRequest, Revealed};
use riskdesk_api::decisions::{AlertNoteView, DisputeDetail};
use riskdesk_api::lists::{
    AccountQuery, AlertQuery, BlacklistQuery, DisputeQuery, LimitChangeQuery, TransactionQuery,
};
use riskdesk_api::views::{
    AccountFreezeView, AccountSummary, AlertCounts, AlertView, BlacklistEntryView, DisputeView,
    LimitChangeView, MonthView, TransactionView,
};
use riskdesk_charts::Style;
use riskdesk_domain::history::MonthPoint;

use crate::app::Console;
use crate::ipc::{
    Account360, ChartRequest, CommandError, LinksBoard, RulesRecordBoard, RulesRecordRequest,
};

/// How many of an account's alerts and limit changes Account 360 shows.
const ACCOUNT_SECTION_ROWS: u32 = 50;
/// How many accounts a page of a search or a drill-down holds.
const ACCOUNT_ROWS: u32 = 50;
/// The chart's months.
const CHART_MONTHS: u32 = 12;

impl Console {
    /// The rules in force and their versions.
    pub async fn rules(&self) -> Result<riskdesk_api::rules::RulesOverview, CommandError> {
        let client = self.session_client()?;
        self.checked(client.rules().await)
    }

    /// Each rule's record by version over the last days asked for, and
    /// its trend day by day.
    pub async fn rules_record(
        &self,
        request: RulesRecordRequest,
    ) -> Result<RulesRecordBoard, CommandError> {
        let client = self.session_client()?;
        let record = self.checked(client.rules_record(request.days).await)?;
        let style = Style {
            theme: request.theme,
            lang: request.lang,
            width: request.width.clamp(320, 2400),
            height: request.height.clamp(160, 1200),
        };
        Ok(RulesRecordBoard {
            trends: crate::dashboard::rule_trends(&record, &style),
            record,
        })
    }

    /// A version's backtests, newest first.
    pub async fn backtests(
        &self,
        rule_set_id: i64,
    ) -> Result<Vec<riskdesk_api::rules::BacktestView>, CommandError> {
        let client = self.session_client()?;
        self.checked(client.backtests(rule_set_id).await)
    }

    /// Starts a backtest of a version on the service.
    pub async fn start_backtest(
        &self,
        rule_set_id: i64,
        days: i64,
    ) -> Result<riskdesk_api::rules::BacktestView, CommandError> {
        let client = self.session_client()?;
        self.checked(client.start_backtest(rule_set_id, days).await)
    }

    pub async fn cancel_backtest(
        &self,
        id: i64,
    ) -> Result<riskdesk_api::rules::BacktestView, CommandError> {
        let client = self.session_client()?;
        self.checked(client.cancel_backtest(id).await)
    }

    /// A version's comparison with the live rules in shadow.
    pub async fn shadow_comparison(
        &self,
        rule_set_id: i64,
    ) -> Result<riskdesk_api::rules::ShadowView, CommandError> {
        let client = self.session_client()?;
        self.checked(client.shadow_comparison(rule_set_id).await)
    }

    pub async fn alerts(&self, query: AlertQuery) -> Result<Page<AlertView>, CommandError> {
        let client = self.session_client()?;
        self.checked(client.alerts(&query).await)
    }

    pub async fn alert_counts(&self, query: AlertQuery) -> Result<AlertCounts, CommandError> {
        let client = self.session_client()?;
        self.checked(client.alert_counts(&query).await)
    }

    /// Accounts by id, phone tail or masked name, or by a filter (the
    /// dashboard's drill-down), a page at a time.
    pub async fn accounts(
        &self,
        mut query: AccountQuery,
    ) -> Result<Page<AccountSummary>, CommandError> {
        let client = self.session_client()?;
        query.limit = query.limit.or(Some(ACCOUNT_ROWS));
        self.checked(client.accounts(&query).await)
    }

    /// The account and its alerts, limit changes and blacklist matches, read
    /// at once.
    pub async fn account(&self, account_id: i64) -> Result<Account360, CommandError> {
        let client = self.session_client()?;
        let alerts = AlertQuery {
            account_id: Some(account_id),
            sort: Some(riskdesk_api::lists::AlertSort::Newest),
            limit: Some(ACCOUNT_SECTION_ROWS),
            ..AlertQuery::default()
        };
        let changes = LimitChangeQuery {
            account_id: Some(account_id),
            limit: Some(ACCOUNT_SECTION_ROWS),
            ..LimitChangeQuery::default()
        };
        let (detail, alerts, changes, matches) = tokio::join!(
            client.account(account_id),
            client.alerts(&alerts),
            client.limit_changes(&changes),
            client.blacklist_matches(account_id),
        );
        Ok(Account360 {
            detail: self.checked(detail)?,
            alerts: self.permitted(alerts)?.map(|p| p.items),
            limit_changes: self.permitted(changes)?.map(|p| p.items),
            blacklist_matches: self.permitted(matches)?,
        })
    }

    /// The account's last twelve months as an SVG chart.
    pub async fn account_chart(&self, request: ChartRequest) -> Result<String, CommandError> {
        let client = self.session_client()?;
        let months = self.checked(client.history(request.account_id, CHART_MONTHS).await)?;
        let points: Vec<MonthPoint> = months.into_iter().map(month_point).collect();
        let style = Style {
            theme: request.theme,
            lang: request.lang,
            width: request.width.clamp(320, 2400),
            height: request.height.clamp(160, 1200),
        };
        Ok(riskdesk_charts::account_history_svg(&points, &style))
    }

    pub async fn cases(
        &self,
        query: riskdesk_api::investigations::CaseQuery,
    ) -> Result<Page<riskdesk_api::investigations::CaseView>, CommandError> {
        let client = self.session_client()?;
        self.checked(client.cases(&query).await)
    }

    pub async fn case(
        &self,
        id: i64,
    ) -> Result<riskdesk_api::investigations::CaseDetail, CommandError> {
        let client = self.session_client()?;
        self.checked(client.case(id).await)
    }

    /// The accounts linked to this one, and their graph: the
    /// [`GRAPH_NODES`] most strongly linked drawn, the rest counted.
    pub async fn account_links(&self, request: ChartRequest) -> Result<LinksBoard, CommandError> {
        let client = self.session_client()?;
        let links = self.checked(client.account_links(request.account_id).await)?;
        let style = Style {
            theme: request.theme,
            lang: request.lang,
            width: request.width.clamp(320, 2400),
            height: request.height.clamp(200, 1600),
        };
        let graph = crate::investigations::graph_svg(&links, &style);
        Ok(LinksBoard { links, graph })
    }

    pub async fn transactions(
        &self,
        account_id: i64,
        query: TransactionQuery,
    ) -> Result<Page<TransactionView>, CommandError> {
        let client = self.session_client()?;
        self.checked(client.transactions(account_id, &query).await)
    }

    pub async fn disputes(&self, query: DisputeQuery) -> Result<Page<DisputeView>, CommandError> {
        let client = self.session_client()?;
        self.checked(client.disputes(&query).await)
    }

    pub async fn dispute(&self, id: i64) -> Result<DisputeDetail, CommandError> {
        let client = self.session_client()?;
        self.checked(client.dispute(id).await)
    }

    pub async fn alert_notes(&self, alert_id: i64) -> Result<Vec<AlertNoteView>, CommandError> {
        let client = self.session_client()?;
        self.checked(client.alert_notes(alert_id).await)
    }

    pub async fn alert(&self, alert_id: i64) -> Result<AlertView, CommandError> {
        let client = self.session_client()?;
        self.checked(client.alert(alert_id).await)
    }

    pub async fn limit_changes(
        &self,
        query: LimitChangeQuery,
    ) -> Result<Page<LimitChangeView>, CommandError> {
        let client = self.session_client()?;
        self.checked(client.limit_changes(&query).await)
    }

    pub async fn blacklist(
        &self,
        query: BlacklistQuery,
    ) -> Result<Page<BlacklistEntryView>, CommandError> {
        let client = self.session_client()?;
        self.checked(client.blacklist(&query).await)
    }

    pub async fn freezes(&self, account_id: i64) -> Result<Vec<AccountFreezeView>, CommandError> {
        let client = self.session_client()?;
        self.checked(client.freezes(account_id).await)
    }

    /// A masked field revealed for the screen that asked, with the
    /// operator's reason; the console keeps the value nowhere.
    pub async fn reveal(
        &self,
        account_id: i64,
        request: RevealRequest,
    ) -> Result<Revealed, CommandError> {
        let client = self.session_client()?;
        self.checked(client.reveal(account_id, &request).await)
    }

    pub async fn audit(&self, query: AuditQuery) -> Result<Page<AuditEntryView>, CommandError> {
        let client = self.session_client()?;
        self.checked(client.audit(&query).await)
    }
}

fn month_point(month: MonthView) -> MonthPoint {
    MonthPoint {
        year: month.year,
        month: month.month,
        spending: month.spending,
        repayments: month.repayments,
        balance: month.balance,
        utilisation_bp: month.utilisation_bp,
    }
}
