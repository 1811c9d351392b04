//! The look shared by every chart: canvas sizes, the font, text sizes, line widths and colours.
//!
//! Colours come from the Okabe-Ito palette (Okabe & Ito 2008), which stays distinguishable with
//! the common forms of colour blindness. Each quantity has one colour in every chart
//! ([`Quantity::color`]); when one chart compares several scenarios of the same quantity, the
//! scenarios are shades of that colour ([`shades`]) with different dash patterns, so that they
//! differ in lightness and pattern as well as hue.

use std::str::FromStr;
use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle};

use super::ChartError;

/// The font family name every chart uses; [`register_fonts`] binds it to DejaVu Sans.
pub const FONT: &str = "sans-serif";

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Mixes this colour with white: `amount` 0 keeps it, 1 gives white.
    pub fn tint(self, amount: f64) -> Rgb {
        let mix = |c: u8| (f64::from(c) + (255.0 - f64::from(c)) * amount.clamp(0.0, 1.0)).round();
        Rgb(mix(self.0) as u8, mix(self.1) as u8, mix(self.2) as u8)
    }

    /// Mixes this colour with black: `amount` 0 keeps it, 1 gives black.
    pub fn shade(self, amount: f64) -> Rgb {
        let mix = |c: u8| (f64::from(c) * (1.0 - amount.clamp(0.0, 1.0))).round();
        Rgb(mix(self.0) as u8, mix(self.1) as u8, mix(self.2) as u8)
    }

    /// Relative luminance (0 black .. 1 white), WCAG definition.
    pub fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2)
    }

    /// This colour, darkened if needed until text in it reads on white (contrast 4.5:1).
    pub fn readable(self) -> Rgb {
        let mut c = self;
        let mut k = 0;
        while (1.05 / (c.luminance() + 0.05)) < 4.5 && k < 20 {
            c = c.shade(0.1);
            k += 1;
        }
        c
    }

    /// `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// The Okabe-Ito palette.
pub mod okabe_ito {
    use super::Rgb;
    /// Black.
    pub const BLACK: Rgb = Rgb(0x00, 0x00, 0x00);
    /// Orange.
    pub const ORANGE: Rgb = Rgb(0xE6, 0x9F, 0x00);
    /// Sky blue.
    pub const SKY_BLUE: Rgb = Rgb(0x56, 0xB4, 0xE9);
    /// Bluish green.
    pub const BLUISH_GREEN: Rgb = Rgb(0x00, 0x9E, 0x73);
    /// Yellow (too light for lines on white; used for nothing here).
    pub const YELLOW: Rgb = Rgb(0xF0, 0xE4, 0x42);
    /// Blue.
    pub const BLUE: Rgb = Rgb(0x00, 0x72, 0xB2);
    /// Vermillion.
    pub const VERMILLION: Rgb = Rgb(0xD5, 0x5E, 0x00);
    /// Reddish purple.
    pub const REDDISH_PURPLE: Rgb = Rgb(0xCC, 0x79, 0xA7);
}

/// Dark grey for text, axes and reference marks.
pub const INK: Rgb = Rgb(0x22, 0x22, 0x22);
/// Grey for secondary text (subtitles, footers).
pub const MUTED: Rgb = Rgb(0x55, 0x55, 0x55);
/// Grey for reference curves (e.g. the drug-naive response).
pub const REFERENCE: Rgb = Rgb(0x80, 0x80, 0x80);
/// Background shading of a period (e.g. the days of use).
pub const SPAN_FILL: Rgb = Rgb(0xEE, 0xEE, 0xEE);
/// White.
pub const WHITE: Rgb = Rgb(0xFF, 0xFF, 0xFF);

/// A quantity the simulator reports; each has one colour in every chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Plasma heroin.
    Heroin,
    /// Plasma 6-monoacetylmorphine.
    Mam6,
    /// Plasma morphine.
    Morphine,
    /// Mu-opioid receptor activation.
    Activation,
    /// Nucleus accumbens dopamine.
    Dopamine,
    /// Tolerance (potency shift).
    Tolerance,
    /// Dependence (counter-adaptation).
    Dependence,
    /// Withdrawal score.
    Withdrawal,
    /// Ventilation (breathing).
    Breathing,
    /// Wanting: the learned value of the drug.
    Wanting,
    /// Craving: wanting at this moment, raised by withdrawal.
    Craving,
}

impl Quantity {
    /// The quantity's colour.
    pub fn color(self) -> Rgb {
        use okabe_ito::*;
        match self {
            Quantity::Heroin => REDDISH_PURPLE,
            Quantity::Mam6 => ORANGE,
            Quantity::Morphine => SKY_BLUE,
            Quantity::Activation => BLUE,
            Quantity::Dopamine => BLUISH_GREEN,
            Quantity::Tolerance => Rgb(0x59, 0x59, 0x59),
            Quantity::Dependence => BLACK,
            Quantity::Withdrawal => VERMILLION,
            // A dark teal, apart from the activation blue and the dopamine green.
            Quantity::Breathing => Rgb(0x00, 0x5F, 0x73),
            // A deep violet, apart from the palette (the reddish purple is heroin's), and a
            // lighter violet for craving, drawn dashed beside it.
            Quantity::Wanting => Rgb(0x5E, 0x3C, 0x99),
            Quantity::Craving => Rgb(0x9E, 0x8A, 0xC2),
        }
    }

    /// The quantity a model species stands for, by species name.
    pub fn of_species(name: &str) -> Option<Quantity> {
        match name {
            "heroin" => Some(Quantity::Heroin),
            "mam6" => Some(Quantity::Mam6),
            "morphine" => Some(Quantity::Morphine),
            _ => None,
        }
    }
}

/// Colour of a plasma species: its [`Quantity`] colour, or for species outside the default model
/// a colour from the rest of the palette, chosen by position.
pub fn species_color(name: &str, index: usize) -> Rgb {
    const OTHERS: [Rgb; 3] = [okabe_ito::BLUISH_GREEN, okabe_ito::BLUE, okabe_ito::BLACK];
    match name {
        // Fentanyl is not one of the default model's original quantities: a wine red, apart
        // from the palette the others share.
        "fentanyl" => Rgb(0x88, 0x22, 0x55),
        _ => Quantity::of_species(name).map_or(OTHERS[index % OTHERS.len()], Quantity::color),
    }
}

/// The colour of a route of use, the same wherever routes are compared: shades of the MOR
/// activation colour from dark (fastest, IV) to light (slowest, oral), since what a route
/// changes is how fast and how high activation rises. Charts pair them with dash patterns.
pub fn route_color(route: crate::dose::Route) -> Rgb {
    use crate::dose::Route;
    let blue = Quantity::Activation.color();
    match route {
        // IV is the activation blue itself, as in every other chart of a 10 mg IV dose.
        Route::Iv => blue,
        Route::Smoked => blue.shade(0.35),
        Route::Intranasal => blue.tint(0.3),
        Route::Oral => blue.tint(0.45),
        Route::Im => blue.shade(0.15),
        Route::Sublingual => blue.tint(0.6),
    }
}

/// `n` shades of `base` from light (first) to dark (last), for several scenarios of one quantity.
/// The lightest is still dark enough to read as a line on white.
pub fn shades(base: Rgb, n: usize) -> Vec<Rgb> {
    if n <= 1 {
        return vec![base];
    }
    (0..n)
        .map(|i| {
            let f = i as f64 / (n - 1) as f64; // 0 lightest .. 1 darkest
            if f < 0.5 {
                // Capped so that the lightest shade keeps about 3:1 contrast on white.
                base.tint(0.3 * (1.0 - 2.0 * f))
            } else {
                base.shade(0.55 * (2.0 * f - 1.0))
            }
        })
        .collect()
}

/// Fill colours of the COWS severity bands, mildest first (light tints of the withdrawal colour).
pub const BAND_FILLS: [Rgb; 5] = [
    Rgb(0xFA, 0xFA, 0xFA),
    Rgb(0xFD, 0xEE, 0xE3),
    Rgb(0xFB, 0xDC, 0xC6),
    Rgb(0xF8, 0xC8, 0xA6),
    Rgb(0xF4, 0xB2, 0x86),
];

/// How big a chart is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// 1600 x 900 (16:9), large text for a projector: the default.
    Slide,
    /// 2400 x 1500 (16:10), relatively smaller text for paper.
    Print,
    /// Any width x height in pixels, with slide-sized text scaled to the canvas.
    Custom {
        /// Width (px).
        width: u32,
        /// Height (px).
        height: u32,
    },
}

/// Smallest and largest custom width (px). Text scales with the canvas, so below 960x540 it
/// would be too small to read.
pub const WIDTH_LIMITS: (u32, u32) = (960, 8000);
/// Smallest and largest custom height (px).
pub const HEIGHT_LIMITS: (u32, u32) = (540, 8000);

/// What `--size` accepts, for messages.
pub const SIZE_EXPECTED: &str = "slide (1600x900), print (2400x1500) or WIDTHxHEIGHT in pixels, e.g. 1200x800: width 960-8000, height 540-8000, at most 3 times wider than tall or taller than wide";

impl FromStr for Size {
    type Err = ChartError;

    fn from_str(text: &str) -> Result<Size, ChartError> {
        let bad = || ChartError::InvalidSize {
            given: text.to_string(),
            expected: SIZE_EXPECTED,
        };
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "slide" => return Ok(Size::Slide),
            "print" => return Ok(Size::Print),
            _ => {}
        }
        let (w, h) = t.split_once('x').ok_or_else(bad)?;
        let dim = |s: &str, (lo, hi): (u32, u32)| -> Result<u32, ChartError> {
            if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let v: u32 = s.parse().map_err(|_| bad())?;
            if (lo..=hi).contains(&v) {
                Ok(v)
            } else {
                Err(bad())
            }
        };
        let (width, height) = (dim(w, WIDTH_LIMITS)?, dim(h, HEIGHT_LIMITS)?);
        if width > 3 * height || height > 3 * width {
            return Err(bad());
        }
        Ok(Size::Custom { width, height })
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Size::Slide => f.write_str("slide"),
            Size::Print => f.write_str("print"),
            Size::Custom { width, height } => write!(f, "{width}x{height}"),
        }
    }
}

impl Size {
    /// The canvas for this size.
    pub fn canvas(self) -> Canvas {
        match self {
            Size::Slide => Canvas::new(1600, 900, 1.0),
            Size::Print => Canvas::new(2400, 1500, 1.2),
            Size::Custom { width, height } => {
                let s = (f64::from(width) / 1600.0).min(f64::from(height) / 900.0);
                Canvas::new(width, height, s)
            }
        }
    }
}

/// Pixel size and the text and line sizes that go with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Canvas {
    /// Width (px).
    pub width: u32,
    /// Height (px).
    pub height: u32,
    /// Multiplier on every text size, line width and gap (1 = slide).
    pub scale: f64,
}

impl Canvas {
    fn new(width: u32, height: u32, scale: f64) -> Canvas {
        Canvas {
            width,
            height,
            scale: scale.max(0.4),
        }
    }

    /// A length given at slide scale, scaled to this canvas (px, at least 1).
    pub fn px(&self, slide_px: f64) -> f64 {
        (slide_px * self.scale).max(1.0)
    }

    /// The same, rounded to whole pixels.
    pub fn ipx(&self, slide_px: f64) -> i32 {
        self.px(slide_px).round() as i32
    }

    /// Text size for a role (px, plotters' font size).
    pub fn text(&self, role: Text) -> f64 {
        self.px(role.slide_px())
    }

    /// Width of a data line of relative weight `weight` (1 = a main series).
    pub fn line(&self, weight: f64) -> u32 {
        self.px(4.0 * weight).round().max(1.0) as u32
    }
}

/// The text roles of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// The takeaway at the top.
    Title,
    /// The line under the title (scenario).
    Subtitle,
    /// A column heading (e.g. "One dose").
    Heading,
    /// A panel's name.
    PanelTitle,
    /// Legend entries.
    Legend,
    /// Axis descriptions (with units).
    AxisLabel,
    /// Tick labels.
    Tick,
    /// Annotations in the plot.
    Note,
    /// The footer.
    Footer,
}

impl Text {
    fn slide_px(self) -> f64 {
        match self {
            Text::Title => 38.0,
            Text::Subtitle => 24.0,
            Text::Heading => 27.0,
            Text::PanelTitle => 24.0,
            Text::Legend => 22.0,
            Text::AxisLabel => 22.0,
            Text::Tick => 22.0,
            Text::Note => 21.0,
            Text::Footer => 17.0,
        }
    }
}

/// Registers DejaVu Sans (regular and bold, from the `dejavu` crate) as [`FONT`] for plotters'
/// pure-Rust text rendering. Safe to call many times; the work is done once.
pub fn register_fonts() -> Result<(), ChartError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}
