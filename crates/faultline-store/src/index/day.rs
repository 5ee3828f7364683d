//! One UTC day's tantivy index: its reader, and a writer opened on demand.

use super::schema::Fields;
use super::tokenizer;
use crate::{IndexOrder, StoreConfig, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;
use tantivy::directory::MmapDirectory;
use tantivy::indexer::{AddOperation, NoMergePolicy, SegmentWriter};
use tantivy::schema::Value;
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::{
    Index, IndexReader, IndexSettings, IndexSortByField, IndexWriter, Order, ReloadPolicy,
    TantivyDocument,
};

/// zstd level of the document store: zstd compresses log events ~2× better
/// than LZ4; on 256 KiB blocks of stored events level 1 is as small as 3
/// (3.89 against 3.97 MB for 32 MiB of raw logs) at less CPU, and only
/// levels from 5 up are smaller (6: about 12%, at three times the CPU).
const DOCSTORE_ZSTD_LEVEL: i32 = 1;

/// Larger blocks compress better; a hit reads one block.
const DOCSTORE_BLOCK_BYTES: usize = 256 << 10;

/// tantivy's floor for one indexing thread's memory.
const MIN_THREAD_MEMORY_BYTES: usize = 15_000_000;

/// Commits of at most this many documents are written by the day itself, on
/// the commit thread: tantivy's indexing thread sizes each segment's term
/// table from the indexing budget (half a million entries), then zeroes and
/// walks it, a few milliseconds a commit whatever it holds. Past this many,
/// the documents go to tantivy's thread, which indexes them as they come.
pub(super) const SMALL_COMMIT_DOCS: usize = 1000;

/// The memory budget a small commit's segment is written with per document
/// (the budget sizes the term table, which grows if it must), and the least.
const SEGMENT_BYTES_PER_DOC: usize = 2048;
const MIN_SEGMENT_MEMORY_BYTES: usize = 1 << 20;

/// A writer is closed after this many commits without new documents, so a
/// day that stopped receiving events holds no threads or buffers; its
/// segments are merged into one first, on a thread of its own.
pub(super) const IDLE_COMMITS_BEFORE_CLOSE: u32 = 30;

/// Commits without new documents after which a day's writer may close
/// early, when more days hold one than the index keeps open: long enough
/// that a day a backfill still sends to, with pauses, is not merged and
/// reopened over and over.
pub(super) const IDLE_COMMITS_BEFORE_EARLY_CLOSE: u32 = 10;

pub struct Day {
    pub path: PathBuf,
    /// The schema the day was written with: the current one, or the legacy
    /// one for a day written before it.
    pub fields: Fields,
    pub index: Index,
    /// The index the day's own segments are written with: without the
    /// template order's sort, which the day does itself, nor a thread to
    /// compress the docstore (see [`Day::write_small_commit`]).
    unsorted: Index,
    pub reader: IndexReader,
    writer: Mutex<WriterSlot>,
    memory_bytes: usize,
}

#[derive(Default)]
struct WriterSlot {
    writer: Option<IndexWriter<TantivyDocument>>,
    /// Documents added since the last commit.
    pending: u64,
    /// The documents added since the last commit, while they are at most
    /// [`SMALL_COMMIT_DOCS`]; past that, they went to the writer.
    small_commit: Vec<TantivyDocument>,
    idle_commits: u32,
    /// The write-ahead log position in this day's last commit.
    committed: Option<u64>,
    /// The closed writer's last merge, still running: a new writer waits
    /// for it (an index has one writer at a time).
    closing: Option<JoinHandle<Result<(), StoreError>>>,
}

pub fn index_err(context: &Path) -> impl Fn(tantivy::TantivyError) -> StoreError + '_ {
    move |e| StoreError::Index(format!("{}: {e}", context.display()))
}

impl Day {
    /// Opens the day's index at `path`, creating it with the current schema
    /// and `config`'s order if it does not exist; a day of the legacy schema
    /// keeps it, and every day keeps the order it was created with.
    pub fn open(
        path: &Path,
        schemas: &[Fields; 2],
        config: &StoreConfig,
    ) -> Result<Day, StoreError> {
        let fields = &schemas[0];
        let err = index_err(path);
        let index = if path.join("meta.json").exists() {
            Index::open_in_dir(path).map_err(&err)?
        } else {
            std::fs::create_dir_all(path).map_err(|source| StoreError::Io {
                path: path.display().to_string(),
                source,
            })?;
            let dir = MmapDirectory::open(path).map_err(|e| StoreError::Index(e.to_string()))?;
            Index::builder()
                .schema(fields.schema.clone())
                .settings(settings(fields, config.index_order))
                .open_or_create(dir)
                .map_err(&err)?
        };
        let Some(fields) = schemas.iter().find(|f| f.schema == index.schema()) else {
            return Err(StoreError::Index(format!(
                "{}: the index was written with another schema",
                path.display()
            )));
        };
        tokenizer::register(index.tokenizers());
        let committed = index
            .load_metas()
            .map_err(&err)?
            .payload
            .and_then(|p| p.parse().ok());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(&err)?;
        let mut unsorted = index.clone();
        let settings = unsorted.settings_mut();
        settings.sort_by_field = None;
        // A small commit's docstore is compressed where it is written,
        // without a thread started for it.
        settings.docstore_compress_dedicated_thread = false;
        Ok(Day {
            path: path.to_path_buf(),
            fields: fields.clone(),
            index,
            unsorted,
            reader,
            writer: Mutex::new(WriterSlot {
                committed,
                ..WriterSlot::default()
            }),
            memory_bytes: config.index_memory_bytes,
        })
    }

    /// Whether the day keeps its segments sorted by template
    /// ([`IndexOrder::Template`] when it was created).
    pub fn in_template_order(&self) -> bool {
        self.index.settings().sort_by_field.is_some()
    }

    /// The write-ahead log position stored by this day's last commit.
    pub fn committed(&self) -> Option<u64> {
        self.slot().committed
    }

    /// Buffers documents in the day's writer (opening it if needed).
    pub fn add(&self, docs: impl Iterator<Item = TantivyDocument>) -> Result<(), StoreError> {
        let err = index_err(&self.path);
        let mut slot = self.slot();
        if slot.writer.is_none() {
            settle(&mut slot);
            slot.writer = Some(self.new_writer()?);
        }
        let slot = &mut *slot;
        let writer = slot.writer.as_ref().expect("opened above");
        let mut added = 0;
        for doc in docs {
            added += 1;
            if slot.pending + added <= SMALL_COMMIT_DOCS as u64 {
                slot.small_commit.push(doc);
                continue;
            }
            for held in slot.small_commit.drain(..) {
                writer.add_document(held).map_err(&err)?;
            }
            writer.add_document(doc).map_err(&err)?;
        }
        slot.pending += added;
        slot.idle_commits = 0;
        Ok(())
    }

    /// Writes a small commit's documents as a segment of their own, sorted
    /// by template in template order, and hands it to the writer, which
    /// commits it and merges it with the others. The term table is sized
    /// for the documents it holds, and no column or stored document is
    /// remapped: tantivy's index sorting would index them as they come,
    /// then remap every column and rewrite every stored document in sorted
    /// order as it writes the segment.
    fn write_small_commit(&self, slot: &mut WriterSlot) -> Result<(), StoreError> {
        let err = index_err(&self.path);
        let mut docs = std::mem::take(&mut slot.small_commit);
        let Some(writer) = slot.writer.as_ref().filter(|_| !docs.is_empty()) else {
            return Ok(());
        };
        let max_doc = u32::try_from(docs.len()).expect("at most SMALL_COMMIT_DOCS");
        let budget = docs
            .len()
            .saturating_mul(SEGMENT_BYTES_PER_DOC)
            .max(MIN_SEGMENT_MEMORY_BYTES);
        let segment = self.unsorted.new_segment();
        let mut segment_writer =
            SegmentWriter::for_segment(budget, segment.clone()).map_err(&err)?;
        if self.in_template_order() {
            // As tantivy sorts a segment by the column: stably, documents
            // without a template first, then by the template's bytes.
            let template = self.fields.template;
            docs.sort_by_cached_key(|doc| {
                doc.get_first(template)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            });
        }
        for document in docs {
            segment_writer
                .add_document(AddOperation {
                    opstamp: 0,
                    document,
                })
                .map_err(&err)?;
        }
        segment_writer.finalize().map_err(&err)?;
        writer
            .add_segment(segment.with_max_doc(max_doc).meta().clone())
            .map_err(&err)
    }

    /// Commits pending documents with `position` as the payload and reloads
    /// the reader. Returns whether there was anything to commit.
    pub fn commit(&self, position: u64) -> Result<bool, StoreError> {
        let err = index_err(&self.path);
        let mut slot = self.slot();
        if slot.pending == 0 {
            self.idle_commit(&mut slot)?;
            return Ok(false);
        }
        self.write_small_commit(&mut slot)?;
        let writer = slot
            .writer
            .as_mut()
            .expect("pending documents have a writer");
        let mut prepared = writer.prepare_commit().map_err(&err)?;
        prepared.set_payload(&position.to_string());
        prepared.commit().map_err(&err)?;
        slot.pending = 0;
        slot.committed = Some(position);
        drop(slot);
        self.reader.reload().map_err(&err)?;
        Ok(true)
    }

    /// Lets the writer go with whatever it had not committed (after a write
    /// failed, its state is unknown): the day is what its last commit
    /// holds, and the next add opens a fresh writer.
    pub fn reset(&self) {
        let mut slot = self.slot();
        slot.writer = None;
        slot.pending = 0;
        slot.small_commit = Vec::new();
    }

    /// The commits since the day last received documents, if its writer is
    /// open.
    pub fn open_and_idle_for(&self) -> Option<u32> {
        let slot = self.slot();
        slot.writer.as_ref().map(|_| slot.idle_commits)
    }

    /// Closes the writer now (see [`Day::close`]) if nothing is pending.
    pub fn close_now(&self) -> Result<(), StoreError> {
        let mut slot = self.slot();
        if slot.pending == 0 {
            self.close_writer(&mut slot)?;
        }
        Ok(())
    }

    /// Counts a commit without new documents, if none are pending: the
    /// writer closes after [`IDLE_COMMITS_BEFORE_CLOSE`] of them.
    pub fn idle(&self) -> Result<(), StoreError> {
        let mut slot = self.slot();
        if slot.pending == 0 {
            self.idle_commit(&mut slot)?;
        }
        Ok(())
    }

    fn idle_commit(&self, slot: &mut WriterSlot) -> Result<(), StoreError> {
        slot.idle_commits += 1;
        if slot.idle_commits >= IDLE_COMMITS_BEFORE_CLOSE {
            self.close_writer(slot)?;
        }
        Ok(())
    }

    /// Hands the open writer, if any, to [`Day::close`].
    fn close_writer(&self, slot: &mut WriterSlot) -> Result<(), StoreError> {
        if let Some(writer) = slot.writer.take() {
            slot.closing = Some(self.close(writer)?);
        }
        Ok(())
    }

    /// Merges the day's segments into one on a thread of its own, then lets
    /// the writer go: a day that stopped receiving events is read, never
    /// written, and one segment holds one term dictionary and full docstore
    /// blocks instead of one per commit's leftovers (about 7% smaller). The
    /// commit thread does not wait: merging a large day takes a while.
    ///
    /// The merges tantivy's merge policy already started are let finish
    /// first (a merge of a busy day's large segments can outlast the idle
    /// commits): a merge of all segments started beside them failed, and
    /// left the day in many segments, with the files of the segments those
    /// merges replaced still on disk.
    fn close(
        &self,
        writer: IndexWriter<TantivyDocument>,
    ) -> Result<JoinHandle<Result<(), StoreError>>, StoreError> {
        let (path, index, reader) = (self.path.clone(), self.index.clone(), self.reader.clone());
        std::thread::Builder::new()
            .name("index-day-merge".into())
            .spawn(move || {
                let err = index_err(&path);
                writer.set_merge_policy(Box::new(NoMergePolicy));
                writer.wait_merging_threads().map_err(&err)?;
                let segments = index.searchable_segment_ids().map_err(&err)?;
                if segments.len() <= 1 {
                    return Ok(());
                }
                let mut writer: IndexWriter<TantivyDocument> = index
                    .writer_with_num_threads(1, MIN_THREAD_MEMORY_BYTES)
                    .map_err(&err)?;
                writer.set_merge_policy(Box::new(NoMergePolicy));
                writer.merge(&segments).wait().map_err(&err)?;
                reader.reload().map_err(&err)?;
                writer.wait_merging_threads().map_err(&err)
            })
            .map_err(|source| StoreError::Io {
                path: self.path.display().to_string(),
                source,
            })
    }

    /// Waits for the closed writer's merge, if one is running.
    pub fn settle(&self) {
        settle(&mut self.slot());
    }

    /// One indexing thread per day: the commit thread already runs beside
    /// the HTTP workers, and every thread costs a fresh memory arena (sized
    /// from its budget, zeroed by the kernel) at every commit.
    fn new_writer(&self) -> Result<IndexWriter<TantivyDocument>, StoreError> {
        let memory = self.memory_bytes.max(MIN_THREAD_MEMORY_BYTES);
        self.index
            .writer_with_num_threads(1, memory)
            .map_err(index_err(&self.path))
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, WriterSlot> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Waits for a closing writer's merge; a failed merge leaves the day as it
/// was (its segments are intact), so it is logged, not returned.
fn settle(slot: &mut WriterSlot) {
    let Some(closing) = slot.closing.take() else {
        return;
    };
    match closing.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "merging an idle day's segments failed"),
        Err(_) => tracing::warn!("merging an idle day's segments panicked"),
    }
}

/// How a new day's index is created. In template order tantivy sorts each
/// segment it writes by the template column (events of one template stay
/// in arrival order within it) and merges segments by the same order.
fn settings(fields: &Fields, order: IndexOrder) -> IndexSettings {
    let sort_by_field = match order {
        IndexOrder::Template => Some(IndexSortByField {
            field: fields.schema.get_field_name(fields.template).to_string(),
            order: Order::Asc,
        }),
        IndexOrder::Arrival => None,
    };
    IndexSettings {
        sort_by_field,
        docstore_compression: Compressor::Zstd(ZstdCompressor {
            compression_level: Some(DOCSTORE_ZSTD_LEVEL),
        }),
        docstore_blocksize: DOCSTORE_BLOCK_BYTES,
        ..IndexSettings::default()
    }
}
