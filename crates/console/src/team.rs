//! The team, for admins: the operators and service clients as the service
//! lists them, and the admin's decisions about them, sent like every other
//! decision (an idempotency key the UI keeps for retries). A new operator's
//! credentials are shown once: the TOTP secret's `otpauth://` URI is drawn
//! here as a QR code for their authenticator to scan, and the console keeps
//! neither anywhere.

use qrcode::QrCode;
use qrcode::render::svg;
use riskdesk_api::admin::OperatorAdminView;
use riskdesk_client::{Client, ClientError};

use crate::app::Console;
use crate::decisions::record;
use crate::ipc::{
    CommandError, DecisionOutcome, DecisionRecord, OperatorShown, ShownCredentials, Team,
    TeamDecision,
};

impl Console {
    /// The operators and the service clients.
    pub async fn team(&self) -> Result<Team, CommandError> {
        let client = self.session_client()?;
        let operators = self.checked(client.operators().await)?;
        let service_clients = self.checked(client.service_clients().await)?;
        Ok(Team {
            operators,
            service_clients,
        })
    }

    /// An operator's sessions that have not ended.
    pub async fn operator_sessions(
        &self,
        operator: String,
    ) -> Result<Vec<riskdesk_api::admin::SessionAdminView>, CommandError> {
        let client = self.session_client()?;
        self.checked(client.operator_sessions(&operator).await)
    }
}

/// Sends an admin's decision to its route.
pub(crate) async fn decide(
    client: &Client,
    key: &str,
    decision: &TeamDecision,
) -> Result<DecisionOutcome, ClientError> {
    match decision {
        TeamDecision::AddOperator { request } => {
            record(client.add_operator(key, request).await, |view| {
                DecisionRecord::Operator(shown(view))
            })
        }
        TeamDecision::ChangeOperator { id, request } => {
            record(client.change_operator(key, id, request).await, |view| {
                DecisionRecord::Operator(shown(view))
            })
        }
        TeamDecision::EndSession { id } => {
            record(client.end_session(key, id).await, DecisionRecord::Session)
        }
        TeamDecision::AddServiceClient { request } => record(
            client.add_service_client(key, request).await,
            DecisionRecord::ServiceClient,
        ),
        TeamDecision::RevokeServiceClient { id, request } => record(
            client.revoke_service_client(key, id, request).await,
            DecisionRecord::ServiceClient,
        ),
    }
}

/// The operator as the admin's screen shows it, with the QR code of a new
/// TOTP secret.
fn shown(mut operator: OperatorAdminView) -> OperatorShown {
    let credentials = operator.credentials.take().map(|c| ShownCredentials {
        qr_svg: qr_svg(&c.otpauth_uri),
        initial_password: c.initial_password,
        otpauth_uri: c.otpauth_uri,
    });
    OperatorShown {
        operator,
        credentials,
    }
}

/// `text` as a QR code, an SVG document with a quiet zone (medium error
/// correction, which authenticator apps read from a screen at a glance).
pub fn qr_svg(text: &str) -> String {
    match QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => {
            let document = code
                .render::<svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build();
            // Inline in the page: the XML declaration has no place there.
            match document.find("<svg") {
                Some(start) => document[start..].to_owned(),
                None => document,
            }
        }
        // An otpauth URI is far below a QR code's capacity.
        Err(e) => format!("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>{e}</text></svg>"),
    }
}

#[cfg(test)]
mod tests {
    /// The SVG's dark squares (`M{x} {y}h{w}v{h}H{x}V{y}`) as a grey image
    /// of the document's size.
    fn raster(svg: &str) -> (usize, usize, Vec<u8>) {
        let number = |s: &str| -> usize {
            s.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap()
        };
        let width = number(svg.split(" width=\"").nth(1).unwrap());
        let height = number(svg.split(" height=\"").nth(1).unwrap());
        let mut pixels = vec![255u8; width * height];
        let path = svg.split(" d=\"").nth(1).unwrap();
        for square in path.split('M').skip(1) {
            let left = number(square);
            let top = number(square.split(' ').nth(1).unwrap());
            let w = number(square.split('h').nth(1).unwrap());
            let h = number(square.split('v').nth(1).unwrap());
            for y in top..top + h {
                for x in left..left + w {
                    pixels[y * width + x] = 0;
                }
            }
        }
        (width, height, pixels)
    }

    #[test]
    fn the_qr_code_shown_reads_back_as_the_otpauth_uri() {
        let uri = "otpauth://totp/RiskDesk:officer.zhou?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\
                   &issuer=RiskDesk&digits=6&period=30";
        let svg = super::qr_svg(uri);
        assert!(svg.starts_with("<svg"), "{svg}");
        let (width, height, pixels) = raster(&svg);
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
            pixels[y * width + x]
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, uri);
    }
}
