//! The PK propagator built one weakly connected component of the compartment graph at a time.
//!
//! Drugs that share no compartment do not interact in the PK (in the default model: the
//! heroin -> 6-MAM -> morphine chain with its depots and effect sites; naloxone; methadone;
//! buprenorphine; fentanyl), so `A` is block-diagonal after a permutation of the states and
//! `exp(A tau)` is too. [`build`] splits the states into the weakly connected components of
//! the graph (an edge between i and j where `A[i][j] != 0` or `A[j][i] != 0`), runs the
//! construction of [`closed_form`](super::closed_form) on each component's submatrix, and
//! places the terms back into the full state:
//!
//! - the rates are numbered and merged as the whole matrix would number them (positions in the
//!   block order of the whole matrix, each rate merged into the first within
//!   [`MERGE_RTOL`](super::closed_form::MERGE_RTOL), also across components), so the combined
//!   propagator has the same rates and terms in the same order as
//!   [`PkPropagator::whole`], the construction over all states at once;
//! - each term's matrix `K_t` is the sum of the components' matrices of that (rate, power),
//!   placed at their states (they do not overlap);
//! - the cancellation check (step 5) runs per component on the time grid of the whole matrix:
//!   a component's columns are exact zeros in the other components' states, so the largest
//!   error over the components is the whole matrix's.
//!
//! The work of the construction grows like the cube of the number of states, so the default
//! model's 27 states in components of at most 11 cost a fraction of the whole construction
//! (which a cohort pays once per person). The test below pins the combined propagator to
//! [`PkPropagator::whole`].

use nalgebra::DMatrix;

use super::closed_form::{finish, group_rates, ClosedFormError, Part, PkPropagator};

/// Builds the propagator of `dx/dt = a x` component by component (see the module docs).
pub fn build(a: &DMatrix<f64>) -> Result<PkPropagator, ClosedFormError> {
    let parts = components(a)
        .into_iter()
        .map(|states| Part::new(a, states))
        .collect::<Result<Vec<_>, _>>()?;
    let (rates, groups) = group_rates(&parts);
    let terms = parts
        .iter()
        .zip(&groups)
        .map(|(part, group)| Ok((part, part.terms(group, &rates)?)))
        .collect::<Result<Vec<_>, ClosedFormError>>()?;
    finish(a, rates, &terms)
}

/// The weakly connected components of the graph of `a`, each as its states in ascending
/// order, ordered by their first state.
pub fn components(a: &DMatrix<f64>) -> Vec<Vec<usize>> {
    let n = a.nrows();
    // Union-find whose root is the smallest state of its component.
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for j in 0..n {
        for i in 0..n {
            if i != j && a[(i, j)] != 0.0 {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                parent[ri.max(rj)] = ri.min(rj);
            }
        }
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut slot = vec![usize::MAX; n];
    for i in 0..n {
        let r = root(&mut parent, i);
        if slot[r] == usize::MAX {
            slot[r] = out.len();
            out.push(Vec::new());
        }
        out[slot[r]].push(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cohort::Population;
    use crate::model::{Model, DEFAULT_MODEL_TOML};
    use crate::pk::PkSegment;

    /// States after a dose into every `every`-th state, then `doses` intervals of `tau` hours each
    /// followed by the same dose again.
    fn dosed(prop: &PkPropagator, n: usize, every: usize, doses: usize, tau: f64) -> Vec<f64> {
        let dose: Vec<f64> = (0..n)
            .map(|i| {
                if i % every == 0 {
                    1.0 + 0.1 * i as f64
                } else {
                    0.0
                }
            })
            .collect();
        let mut x = dose.clone();
        let mut seg = PkSegment::default();
        let mut out = vec![0.0; n];
        for _ in 0..doses {
            prop.start(&x, &mut seg);
            seg.eval_all(tau, &mut out);
            for ((xi, o), d) in x.iter_mut().zip(&out).zip(&dose) {
                *xi = o + d;
            }
        }
        x
    }

    fn assert_pinned(a: &DMatrix<f64>) {
        let combined = PkPropagator::new(a).expect("combined");
        let whole = PkPropagator::whole(a).expect("whole");
        assert_eq!(combined.rates(), whole.rates(), "rates");
        assert_eq!(combined.terms(), whole.terms(), "terms");
        let n = a.nrows();
        for (every, doses, tau) in [(1, 1, 0.01), (2, 5, 0.5), (3, 9, 8.0), (5, 4, 24.0)] {
            let got = dosed(&combined, n, every, doses, tau);
            let want = dosed(&whole, n, every, doses, tau);
            let scale = want.iter().map(|x| x.abs()).fold(0.0, f64::max);
            for (r, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g - w).abs() <= 1e-12 * scale,
                    "state {r} after {doses} doses {tau} h apart: {g} vs {w}"
                );
            }
        }
    }

    #[test]
    fn the_default_model_has_one_component_per_independent_drug() {
        let model = Model::default_heroin().expect("default model");
        let parts = components(&model.pk_matrix());
        // heroin -> 6-MAM -> morphine, naloxone, methadone, buprenorphine, fentanyl.
        assert_eq!(parts.len(), 5, "{parts:?}");
        let all: Vec<usize> = {
            let mut v: Vec<usize> = parts.iter().flatten().copied().collect();
            v.sort_unstable();
            v
        };
        assert_eq!(all, (0..model.layout.pk_len).collect::<Vec<_>>());
    }

    #[test]
    fn the_combined_propagator_matches_the_whole_construction() {
        let model = Model::default_heroin().expect("default model");
        assert_pinned(&model.pk_matrix());
        // People of a cohort: other clearances and volumes.
        let population = Population::new(DEFAULT_MODEL_TOML, "models/heroin.toml").expect("loads");
        for subject in 1..=8 {
            let person = population
                .model_for(&population.draw(3, subject))
                .expect("person");
            assert_pinned(&person.pk_matrix());
        }
        // Two drugs with one shared rate: merged across components as the whole matrix does.
        let a = DMatrix::from_row_slice(
            4,
            4,
            &[
                -2.0, 0.0, 0.0, 0.0, //
                0.0, -2.0, 0.0, 0.0, //
                2.0, 0.0, -0.5, 0.0, //
                0.0, 2.0, 0.0, -0.7, //
            ],
        );
        assert_eq!(components(&a), vec![vec![0, 2], vec![1, 3]]);
        assert_pinned(&a);
    }
}
