#include <samestory/error.hpp>
#include <samestory/io.hpp>

#include "binary_io.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

namespace samestory {

namespace {

// Closes a descriptor on every path out of a function.
class file_descriptor {
 public:
  explicit file_descriptor(int fd = -1) noexcept : fd_(fd) {}
  ~file_descriptor() { reset(); }
  file_descriptor(file_descriptor&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  file_descriptor& operator=(file_descriptor&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  int get() const noexcept { return fd_; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

void write_all(int fd, const char* data, std::size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("write", path, errno);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void sync_fd(int fd, const std::string& path) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) throw io_error("fsync", path, errno);
  }
}

// A rename or a new file is durable only once its directory is synced.
void sync_directory(const std::filesystem::path& dir) {
  const std::string name = dir.empty() ? std::string(".") : dir.string();
  file_descriptor fd(::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw io_error("open directory", name, errno);
  sync_fd(fd.get(), name);
}

// Unique within the process and across processes (pid), so two writers of
// the same target never share a temporary file.
std::filesystem::path temporary_beside(const std::filesystem::path& path) {
  static std::atomic<std::uint64_t> counter{0};
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  std::string name = path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                     std::to_string(counter.fetch_add(1)) + "-" +
                     std::to_string(static_cast<std::uint64_t>(now) & 0xFFFFFF);
  return path.parent_path() / name;
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  const std::filesystem::path tmp = temporary_beside(path);
  const std::string tmp_name = tmp.string();
  {
    file_descriptor fd(::open(tmp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.get() < 0) throw io_error("create", tmp_name, errno);
    try {
      write_all(fd.get(), bytes.data(), bytes.size(), tmp_name);
      sync_fd(fd.get(), tmp_name);
    } catch (...) {
      ::unlink(tmp_name.c_str());
      throw;
    }
  }
  if (::rename(tmp_name.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp_name.c_str());
    throw io_error("rename over", path.string(), e);
  }
  sync_directory(path.parent_path());
}

std::string read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  const std::string name = path.string();
  file_descriptor fd(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw io_error("open", name, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw io_error("stat", name, errno);
  if (S_ISDIR(st.st_mode)) throw io_error("read (it is a directory)", name, 0);
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size > max_bytes) throw limit_exceeded_error("read_file max_bytes", max_bytes, size);
  std::string out(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd.get(), out.data() + got, size - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("read", name, errno);
    }
    if (n == 0) break;  // shrank while we read: return what is there
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

// ---------------------------------------------------------------------------
// append_log
//
// Header, 24 bytes: magic "SMSL", u16 version (1), u16 flags (0), u64
// generation, u64 XXH3-64 of the previous 16 bytes. Record: u32 length n,
// u64 XXH3-64 of the n payload bytes seeded with n (so a torn length field
// fails the check too), then the payload.

namespace {

constexpr char log_magic[4] = {'S', 'M', 'S', 'L'};
constexpr std::uint16_t log_version = 1;
constexpr std::size_t log_header_bytes = 24;
constexpr std::size_t record_prefix_bytes = 12;

std::string log_header(std::uint64_t generation) {
  std::string h(log_magic, 4);
  detail::append_u16(h, log_version);
  detail::append_u16(h, 0);
  detail::append_u64(h, generation);
  detail::append_u64(h, XXH3_64bits(h.data(), h.size()));
  return h;
}

void lock_exclusive(int fd, const std::string& name) {
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) throw io_error("lock (another process has the log open)", name, 0);
    throw io_error("lock", name, errno);
  }
}

}  // namespace

struct append_log::impl {
  std::filesystem::path path;
  file_descriptor fd;
  log_sync sync_mode = log_sync::every_record;
  std::uint64_t generation = 0;
  std::uint64_t records = 0;
  std::uint64_t size = 0;  // bytes in the file: everything up to the last whole record

  void write_record(std::string_view record) {
    char prefix[record_prefix_bytes];
    const auto n = static_cast<std::uint32_t>(record.size());
    const std::uint64_t sum = XXH3_64bits_withSeed(record.data(), record.size(), n);
    for (int i = 0; i < 4; ++i) prefix[i] = static_cast<char>((n >> (8 * i)) & 0xFFu);
    for (int i = 0; i < 8; ++i) prefix[4 + i] = static_cast<char>((sum >> (8 * i)) & 0xFFu);
    // One writev: a crash tears at most this record, never one before it.
    iovec parts[2] = {{prefix, record_prefix_bytes},
                      {const_cast<char*>(record.data()), record.size()}};
    std::size_t total = record_prefix_bytes + record.size();
    std::size_t done = 0;
    const std::string name = path.string();
    while (done < total) {
      ssize_t w;
      if (done < record_prefix_bytes) {
        iovec rest[2] = {{prefix + done, record_prefix_bytes - done}, parts[1]};
        w = ::writev(fd.get(), rest, 2);
      } else {
        const std::size_t off = done - record_prefix_bytes;
        w = ::write(fd.get(), record.data() + off, record.size() - off);
      }
      if (w < 0) {
        if (errno == EINTR) continue;
        const int e = errno;
        cut_back();
        throw io_error("append to", name, e);
      }
      done += static_cast<std::size_t>(w);
    }
    size += total;
    ++records;
  }

  // After a failed write, drop the partial record so the next append does not
  // land behind garbage (replay would stop there and lose it).
  void cut_back() noexcept {
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) == 0) {
      ::lseek(fd.get(), static_cast<off_t>(size), SEEK_SET);
    }
  }
};

append_log::append_log(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
append_log::~append_log() = default;
append_log::append_log(append_log&&) noexcept = default;
append_log& append_log::operator=(append_log&&) noexcept = default;

append_log append_log::open(const std::filesystem::path& path, const replay_function& on_record,
                            log_sync sync, log_recovery* recovery) {
  auto m = std::make_unique<impl>();
  m->path = path;
  m->sync_mode = sync;
  const std::string name = path.string();
  m->fd = file_descriptor(::open(name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (m->fd.get() < 0) throw io_error("open", name, errno);
  lock_exclusive(m->fd.get(), name);

  struct stat st {};
  if (::fstat(m->fd.get(), &st) != 0) throw io_error("stat", name, errno);
  log_recovery found;
  const std::string fresh = log_header(0);
  std::string bytes;
  if (st.st_size > 0) bytes = read_file(path);
  // New, or created by a crash before its whole header was written: start it.
  if (bytes.size() < log_header_bytes && fresh.compare(0, bytes.size(), bytes) == 0) {
    if (::ftruncate(m->fd.get(), 0) != 0) throw io_error("truncate", name, errno);
    const std::string& header = fresh;
    write_all(m->fd.get(), header.data(), header.size(), name);
    sync_fd(m->fd.get(), name);
    sync_directory(path.parent_path());
    m->size = header.size();
  } else {
    detail::byte_reader r(bytes);
    const std::string_view magic = r.bytes(4, "log magic");
    if (magic != std::string_view(log_magic, 4)) {
      throw format_error(0, "expected log magic \"SMSL\", actual something else: " + name +
                                " is not a samestory log");
    }
    const std::uint16_t version = r.u16("log version");
    r.u16("log flags");
    const std::uint64_t generation = r.u64("log generation");
    const std::size_t sum_at = r.offset();
    const std::uint64_t sum = r.u64("log header checksum");
    if (sum != XXH3_64bits(bytes.data(), 16)) {
      throw format_error(sum_at, "expected log header checksum " +
                                     detail::hex64(XXH3_64bits(bytes.data(), 16)) + ", actual " +
                                     detail::hex64(sum));
    }
    if (version != log_version) {
      throw format_error(4, "expected log version 1, actual " + std::to_string(version));
    }
    found.generation = generation;
    std::size_t good = log_header_bytes;
    while (r.remaining() >= record_prefix_bytes) {
      const std::uint32_t n = r.u32("record length");
      const std::uint64_t want = r.u64("record checksum");
      if (r.remaining() < n) break;
      const std::string_view payload = r.bytes(n, "record");
      if (XXH3_64bits_withSeed(payload.data(), payload.size(), n) != want) break;
      on_record(payload);
      ++found.records;
      good = r.offset();
    }
    found.dropped_bytes = bytes.size() - good;
    if (found.dropped_bytes > 0) {
      if (::ftruncate(m->fd.get(), static_cast<off_t>(good)) != 0) {
        throw io_error("cut the torn tail of", name, errno);
      }
      sync_fd(m->fd.get(), name);
    }
    if (::lseek(m->fd.get(), static_cast<off_t>(good), SEEK_SET) < 0) {
      throw io_error("seek in", name, errno);
    }
    m->generation = generation;
    m->records = found.records;
    m->size = good;
  }
  if (recovery != nullptr) *recovery = found;
  return append_log(std::move(m));
}

void append_log::append(std::string_view record) {
  if (record.size() > 0xFFFFFFFFu) {
    throw limit_exceeded_error("log record bytes", 0xFFFFFFFFu, record.size());
  }
  impl_->write_record(record);
  if (impl_->sync_mode == log_sync::every_record) sync();
}

void append_log::append(std::span<const std::string> records) {
  for (const std::string& r : records) {
    if (r.size() > 0xFFFFFFFFu)
      throw limit_exceeded_error("log record bytes", 0xFFFFFFFFu, r.size());
  }
  for (const std::string& r : records) impl_->write_record(r);
  if (impl_->sync_mode == log_sync::every_record && !records.empty()) sync();
}

void append_log::sync() {
  sync_fd(impl_->fd.get(), impl_->path.string());
}

void append_log::reset(std::uint64_t generation) {
  impl& m = *impl_;
  const std::filesystem::path tmp = temporary_beside(m.path);
  const std::string tmp_name = tmp.string();
  file_descriptor fd(::open(tmp_name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw io_error("create", tmp_name, errno);
  try {
    lock_exclusive(fd.get(), tmp_name);
    const std::string header = log_header(generation);
    write_all(fd.get(), header.data(), header.size(), tmp_name);
    sync_fd(fd.get(), tmp_name);
    if (::rename(tmp_name.c_str(), m.path.c_str()) != 0) {
      throw io_error("rename over", m.path.string(), errno);
    }
  } catch (...) {
    ::unlink(tmp_name.c_str());
    throw;
  }
  sync_directory(m.path.parent_path());
  m.fd = std::move(fd);
  m.generation = generation;
  m.records = 0;
  m.size = log_header_bytes;
}

std::uint64_t append_log::generation() const noexcept {
  return impl_->generation;
}
std::uint64_t append_log::records() const noexcept {
  return impl_->records;
}
std::uint64_t append_log::size_bytes() const noexcept {
  return impl_->size;
}

}  // namespace samestory
