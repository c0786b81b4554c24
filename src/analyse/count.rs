//! Counting points into boundaries, in parallel, as a stream: the job of "count points in
//! polygon" for millions of points in bounded memory.

use std::sync::Mutex;
use std::sync::mpsc;

use geo::Point;

use crate::error::Result;
use crate::index::{CountyIndex, Location};
use crate::load::{Block, PointBlocks, parse_block};

/// Blocks queued between the reader and the workers: bounds memory to a few blocks.
const QUEUE: usize = 4;

/// How many points fell where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PointCounts {
    /// Points per boundary, indexed like [`crate::model::Boundaries::features`].
    pub per_boundary: Vec<u64>,
    /// Points in no boundary.
    pub outside: u64,
    /// Points placed on a boundary by the border rule.
    pub on_border: u64,
    /// Points read.
    pub points: u64,
}

impl PointCounts {
    fn new(n: usize) -> Self {
        PointCounts {
            per_boundary: vec![0; n],
            ..PointCounts::default()
        }
    }

    /// Counts one location.
    pub fn add(&mut self, loc: Location) {
        self.points += 1;
        match loc {
            Location::In {
                boundary,
                on_border,
            } => {
                self.per_boundary[boundary] += 1;
                self.on_border += u64::from(on_border);
            }
            Location::Outside => self.outside += 1,
        }
    }

    fn merge(&mut self, other: &PointCounts) {
        for (a, b) in self.per_boundary.iter_mut().zip(&other.per_boundary) {
            *a += b;
        }
        self.outside += other.outside;
        self.on_border += other.on_border;
        self.points += other.points;
    }
}

/// Reads every block of `blocks` and counts its points with `index`, on `threads` worker
/// threads while the calling thread reads. `progress` is called after each block with the
/// bytes read so far.
///
/// Counts do not depend on the number of threads: every point is located on its own by the
/// border rule of [`crate::index`].
///
/// # Errors
/// The first read or parse error, naming the file and line; counting stops there.
pub fn count_points(
    index: &CountyIndex<'_>,
    blocks: PointBlocks,
    threads: usize,
    progress: &dyn Fn(u64),
) -> Result<PointCounts> {
    let n = index.boundaries().features.len();
    let columns = blocks.columns().clone();
    let (tx, rx) = mpsc::sync_channel::<Block>(QUEUE);
    let rx = Mutex::new(rx);
    let first_error: Mutex<Option<(u64, crate::Error)>> = Mutex::new(None);

    let totals = std::thread::scope(|scope| -> Result<PointCounts> {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut counts = PointCounts::new(n);
                    let mut coords = Vec::new();
                    loop {
                        let block = match rx.lock().expect("queue lock").recv() {
                            Ok(b) => b,
                            Err(_) => return counts,
                        };
                        coords.clear();
                        if let Err(e) = parse_block(&block, &columns, &mut coords) {
                            let mut slot = first_error.lock().expect("error lock");
                            // Keep the error of the earliest block, as a sequential read would.
                            if slot
                                .as_ref()
                                .is_none_or(|(line, _)| block.first_line < *line)
                            {
                                *slot = Some((block.first_line, e));
                            }
                            continue;
                        }
                        for &[x, y] in &coords {
                            counts.add(index.locate(Point::new(x, y)));
                        }
                    }
                })
            })
            .collect();

        let mut blocks = blocks;
        let mut read_error = None;
        while let Some(block) = blocks.next() {
            match block {
                Ok(b) => {
                    if first_error.lock().expect("error lock").is_some() || tx.send(b).is_err() {
                        break;
                    }
                    progress(blocks.bytes_read());
                }
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
        }
        drop(tx);
        let mut total = PointCounts::new(n);
        for w in workers {
            total.merge(&w.join().expect("a counting thread panicked"));
        }
        match read_error {
            Some(e) => Err(e),
            None => Ok(total),
        }
    })?;
    if let Some((_, e)) = first_error.into_inner().expect("error lock") {
        return Err(e);
    }
    Ok(totals)
}
