//! The Dormand–Prince 5(4) Butcher tableau and its continuous extension.
//!
//! Coefficients of the embedded explicit Runge–Kutta pair RK5(4)7M of
//! J. R. Dormand and P. J. Prince, "A family of embedded Runge–Kutta formulae",
//! *J. Comput. Appl. Math.* 6 (1980) 19–26, in the form used by the code DOPRI5 of
//! E. Hairer, S. P. Nørsett and G. Wanner, *Solving Ordinary Differential Equations I:
//! Nonstiff Problems*, 2nd ed., Springer 1993, Section II.5 (Table 5.2) and II.6
//! (dense output, the `contd5` coefficients).
//!
//! With stages `k_s = f(t + c_s h, y + h Σ_{j<s} a_{sj} k_j)` for `s = 1..7`:
//!
//! * the propagated (5th-order) solution is `y_new = y + h Σ b5_j k_j`; since row 7 of `A`
//!   equals `B5` and `c_7 = 1`, the last stage is `f(t + h, y_new)`, which is the first stage
//!   of the next step ("first same as last", FSAL);
//! * the embedded 4th-order solution uses `B4`, and the local error estimate is
//!   `h Σ e_j k_j` with `E = B5 - B4`;
//! * the dense output on `θ ∈ [0, 1]` (Hairer et al., II.6) is
//!   `y(t + θh) ≈ y + θ (Δ + (1-θ) (β + θ (Δ - h k_7 - β + (1-θ) h Σ d_j k_j)))`
//!   with `Δ = y_new - y` and `β = h k_1 - Δ`.
//!
//! Stages are indexed from 0 in the arrays below (`k_1` is index 0).

/// Number of stages (including the FSAL stage).
pub const STAGES: usize = 7;

/// Nodes `c_s`: stage `s` is evaluated at `t + c_s h`.
pub const C: [f64; STAGES] = [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];

/// The nodes as whole multiples of `1 / C_DENOMINATOR`: `c_s = C_NUMERATOR[s] / C_DENOMINATOR`
/// (checked to be the same floating-point numbers as [`C`]). A caller whose inputs are
/// exponentials of time uses them to evaluate every stage from two exponentials
/// (`OdeRhs::begin_step`).
pub const C_DENOMINATOR: u32 = 90;
/// See [`C_DENOMINATOR`].
pub const C_NUMERATOR: [u32; STAGES] = [0, 18, 27, 72, 80, 90, 90];

/// `w^C_NUMERATOR[s]` for the stages `s = 1..STAGES` (w^18, w^27, w^72, w^80, w^90, w^90) by a
/// short addition chain (ten multiplications): with `w = exp(mu h / C_DENOMINATOR)` these are
/// `exp(mu c_s h)`, the growth of an exponential input from the start of a step to each stage.
/// The relative rounding error is at most a few tens of ulp (each multiplication adds one ulp
/// to the products that use it).
#[inline]
pub fn stage_powers(w: f64) -> [f64; STAGES - 1] {
    let w2 = w * w;
    let w4 = w2 * w2;
    let w8 = w4 * w4;
    let w9 = w8 * w;
    let w18 = w9 * w9;
    let w27 = w18 * w9;
    let w36 = w18 * w18;
    let w72 = w36 * w36;
    let w80 = w72 * w8;
    let w90 = w72 * w18;
    [w18, w27, w72, w80, w90, w90]
}

/// Runge–Kutta matrix `a_{sj}` (strictly lower triangular; row `s` holds the weights
/// of stages `0..s`, the remaining entries are zero).
pub const A: [[f64; STAGES - 1]; STAGES] = [
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
    [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
    [
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
        0.0,
        0.0,
    ],
    [
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
        0.0,
    ],
    [
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];

/// Weights `b_j` of the 5th-order solution that is propagated (local extrapolation).
pub const B5: [f64; STAGES] = [
    35.0 / 384.0,
    0.0,
    500.0 / 1113.0,
    125.0 / 192.0,
    -2187.0 / 6784.0,
    11.0 / 84.0,
    0.0,
];

/// Weights `b̂_j` of the embedded 4th-order solution.
pub const B4: [f64; STAGES] = [
    5179.0 / 57600.0,
    0.0,
    7571.0 / 16695.0,
    393.0 / 640.0,
    -92097.0 / 339200.0,
    187.0 / 2100.0,
    1.0 / 40.0,
];

/// Error coefficients `e_j = b_j - b̂_j`; the local error estimate is `h Σ e_j k_j`.
pub const E: [f64; STAGES] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];

/// Dense-output coefficients `d_j` of DOPRI5 (`d1, d3, .., d7` in Hairer et al.; `d2 = 0`).
pub const D: [f64; STAGES] = [
    -12715105075.0 / 11282082432.0,
    0.0,
    87487479700.0 / 32700410799.0,
    -10690763975.0 / 1880347072.0,
    701980252875.0 / 199316789632.0,
    -1453857185.0 / 822651844.0,
    69997945.0 / 29380423.0,
];

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-14;

    #[test]
    fn rows_of_a_sum_to_the_nodes() {
        for (s, row) in A.iter().enumerate() {
            let sum: f64 = row.iter().sum();
            assert!((sum - C[s]).abs() < EPS, "row {s}: {sum} != {}", C[s]);
        }
    }

    #[test]
    fn a_is_strictly_lower_triangular() {
        for (s, row) in A.iter().enumerate() {
            for (j, &a) in row.iter().enumerate().skip(s) {
                assert_eq!(a, 0.0, "a[{s}][{j}] should be zero");
            }
        }
    }

    #[test]
    fn weights_are_consistent() {
        assert!((B5.iter().sum::<f64>() - 1.0).abs() < EPS);
        assert!((B4.iter().sum::<f64>() - 1.0).abs() < EPS);
        assert!(E.iter().sum::<f64>().abs() < EPS);
        for j in 0..STAGES {
            assert!((E[j] - (B5[j] - B4[j])).abs() < EPS, "e[{j}] != b5 - b4");
        }
        // FSAL: the last row of A is the 5th-order weight vector.
        for j in 0..STAGES - 1 {
            assert_eq!(A[STAGES - 1][j], B5[j]);
        }
        assert_eq!(C[STAGES - 1], 1.0);
    }

    #[test]
    fn fifth_order_conditions_hold_for_quadrature() {
        // Σ b_j c_j^(q-1) = 1/q for q = 1..5 (order conditions for y' = f(t)).
        for q in 1..=5 {
            let sum: f64 = (0..STAGES).map(|j| B5[j] * C[j].powi(q - 1)).sum();
            assert!((sum - 1.0 / f64::from(q)).abs() < EPS, "q = {q}: {sum}");
        }
    }

    #[test]
    fn nodes_are_the_stated_multiples() {
        for s in 0..STAGES {
            assert_eq!(
                C[s],
                f64::from(C_NUMERATOR[s]) / f64::from(C_DENOMINATOR),
                "c[{s}]"
            );
        }
    }

    #[test]
    fn stage_powers_are_the_numerators() {
        for w in [0.3, 0.9, 0.999, 1.0, 1.001, 1.7] {
            let got = stage_powers(w);
            for s in 1..STAGES {
                let want = w.powi(C_NUMERATOR[s] as i32);
                let rel = ((got[s - 1] - want) / want).abs();
                assert!(rel < 64.0 * f64::EPSILON, "w = {w}, stage {s}: {rel:e}");
            }
        }
    }

    #[test]
    fn dense_output_coefficients_sum_to_zero() {
        // The dense polynomial must reproduce y_new at θ = 1 and the step is exact for
        // constant f, which requires Σ d_j = 0.
        assert!(D.iter().sum::<f64>().abs() < 1e-12);
    }
}
