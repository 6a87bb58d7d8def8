//! PNG files of the charts: the SVG rasterized by resvg with the system's
//! fonts, a CJK face (Noto Sans CJK from `fonts-noto-cjk`) standing in for
//! the `sans-serif` that plotters writes, so that Chinese labels read.

use std::sync::{Arc, OnceLock};

use resvg::usvg::{self, fontdb};

/// CJK sans-serif families, the first one installed wins.
const CJK_FAMILIES: [&str; 4] = [
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
];

/// Why a chart could not become a PNG.
#[derive(Debug)]
pub struct PngError(String);

impl std::fmt::Display for PngError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the chart could not be drawn as PNG: {}", self.0)
    }
}

impl std::error::Error for PngError {}

/// The system's fonts, read once (reading them takes tens of milliseconds).
fn fonts() -> &'static (Arc<fontdb::Database>, Option<&'static str>) {
    static FONTS: OnceLock<(Arc<fontdb::Database>, Option<&'static str>)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        let cjk = CJK_FAMILIES.into_iter().find(|family| {
            db.faces()
                .any(|face| face.families.iter().any(|(name, _)| name == family))
        });
        if let Some(family) = cjk {
            db.set_sans_serif_family(family);
        }
        (Arc::new(db), cjk)
    })
}

/// The CJK face's file and its index in it (a collection holds several),
/// for documents that embed it; `None` when none is installed.
pub fn cjk_face() -> Option<(Vec<u8>, u32)> {
    let (db, family) = fonts();
    let family = (*family)?;
    let id = db
        .faces()
        .find(|face| {
            face.families.iter().any(|(name, _)| name == family)
                && face.weight == fontdb::Weight::NORMAL
                && face.style == fontdb::Style::Normal
        })?
        .id;
    db.with_face_data(id, |data, index| (data.to_vec(), index))
}

/// The CJK family PNGs are drawn with; `None` when none is installed (then
/// Chinese labels cannot read, and the export says so).
pub fn cjk_family() -> Option<&'static str> {
    fonts().1
}

/// A chart's SVG (as `portfolio_svg` draws it) as a PNG, at `scale` times
/// its size (2 for a sharp picture on a high-density screen or in print).
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>, PngError> {
    let (db, _) = fonts();
    let options = usvg::Options {
        fontdb: db.clone(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| PngError(e.to_string()))?;
    let size = tree.size();
    let (width, height) = (
        (size.width() * scale).ceil() as u32,
        (size.height() * scale).ceil() as u32,
    );
    let mut pixmap = resvg::tiny_skia::Pixmap::new(width.max(1), height.max(1))
        .ok_or_else(|| PngError(format!("no {width}×{height} picture")))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| PngError(e.to_string()))
}
