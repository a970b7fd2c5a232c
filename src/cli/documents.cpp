#include "documents.hpp"

#include <samestory/error.hpp>
#include <samestory/html.hpp>
#include <samestory/jsonl.hpp>
#include <samestory/utf8.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>

namespace samestory::cli {

namespace {

namespace fs = std::filesystem;

bool is_page(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".txt" || ext == ".html" || ext == ".htm";
}

bool is_jsonl(const fs::path& p) {
  return p.extension().string() == ".jsonl";
}

bool is_html(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  return ext == ".html" || ext == ".htm";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(error_code::io, "cannot open " + path + ": " + std::strerror(errno));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A file of a directory as a document: HTML through html_to_text. `check`
// tells whether the file's bytes are valid UTF-8.
void page_document(const std::string& path, std::string& text, std::string& title,
                   utf8_check& check) {
  std::string bytes = read_file(path);
  check = check_utf8(bytes);
  if (is_html(path)) {
    html_text h = html_to_text(bytes);
    text = std::move(h.text);
    title = std::move(h.title);
  } else {
    text = std::move(bytes);
    title.clear();
  }
}

}  // namespace

document_reader::document_reader(const std::string& path, bool skip_bad, bool spool_stdin)
    : name_(path == "-" ? "<stdin>" : path), skip_bad_(skip_bad) {
  if (path == "-") {
    jsonl_ = &std::cin;
    jsonl_name_ = name_;
    if (spool_stdin) {
      const char* dir = std::getenv("TMPDIR");
      std::string templ =
          std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/samestory-stdin-XXXXXX";
      const int fd = ::mkstemp(templ.data());
      if (fd < 0) {
        throw error(error_code::io, "cannot create a temporary file to hold standard input (" +
                                        templ + "): " + std::strerror(errno));
      }
      ::close(fd);
      spool_path_ = templ;
      spool_.open(spool_path_, std::ios::binary | std::ios::trunc);
      if (!spool_) throw error(error_code::io, "cannot write " + spool_path_);
    }
    return;
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file() && (is_page(entry.path()) || is_jsonl(entry.path()))) {
        files_.push_back(entry.path().string());
        total_bytes_ += entry.file_size();
      }
    }
    if (ec) throw error(error_code::io, "cannot list " + path + ": " + ec.message());
    std::sort(files_.begin(), files_.end());
    return;
  }
  open_jsonl(path);
  total_bytes_ = fs::file_size(path, ec);
  if (ec) total_bytes_ = 0;
}

document_reader::~document_reader() {
  if (!spool_path_.empty()) ::unlink(spool_path_.c_str());
}

std::string document_reader::where(const input_document& d) const {
  return d.line > 0 ? jsonl_name_ + ": line " + std::to_string(d.line) : name_ + "/" + d.id;
}

void document_reader::report_skipped(const char* command, const char* done,
                                     std::size_t documents) const {
  if (skipped_ == 0) return;
  std::fprintf(stderr, "samestory %s: %zu documents %s, %zu bad record%s skipped (first: %s)\n",
               command, documents, done, skipped_, skipped_ == 1 ? "" : "s",
               first_skipped_.c_str());
}

void document_reader::reject(const std::string& message) {
  if (!skip_bad_) throw error(error_code::parse, message);
  if (skipped_++ == 0) first_skipped_ = message;
}

void document_reader::open_jsonl(const std::string& path) {
  file_.close();
  file_.clear();
  file_.open(path, std::ios::binary);
  if (!file_) throw error(error_code::io, "cannot open " + path + ": " + std::strerror(errno));
  jsonl_ = &file_;
  jsonl_name_ = path;
  line_ = 0;
  offset_ = 0;
}

bool document_reader::next(input_document& out) {
  while (true) {
    if (jsonl_ != nullptr) {
      if (next_jsonl(out)) return true;
      if (files_.empty()) return false;  // a single file or standard input
      jsonl_ = nullptr;                  // a .jsonl of a directory is done
      file_.close();
    }
    if (next_file_ >= files_.size()) return false;
    if (is_jsonl(files_[next_file_])) {
      current_file_ = static_cast<std::uint32_t>(next_file_);
      open_jsonl(files_[next_file_++]);
      continue;
    }
    if (next_file(out)) return true;
  }
}

// The id must not repeat one seen before (in any file of a directory).
void document_reader::claim_id(const std::string& id, std::size_t line) {
  const auto [it, fresh] = line_of_id_.emplace(id, std::pair{current_file_, line});
  if (fresh) return;
  const auto [file, first_line] = it->second;
  std::string first = file == current_file_ ? "" : files_.at(file) + " ";
  if (first_line > 0) first += "line " + std::to_string(first_line);
  throw parse_error(line, 0, "id \"" + id + "\" repeats the id of " + first);
}

bool document_reader::next_jsonl(input_document& out) {
  while (true) {
    std::uint64_t offset = offset_;
    if (!std::getline(*jsonl_, buffer_)) {
      if (jsonl_->bad()) throw error(error_code::io, "cannot read " + name_);
      if (spool_.is_open()) spool_.flush();
      return false;
    }
    ++line_;
    offset_ += buffer_.size() + 1;
    bytes_read_ += buffer_.size() + 1;
    if (spool_.is_open()) {
      offset = static_cast<std::uint64_t>(spool_.tellp());
      spool_ << buffer_ << '\n';
    }
    std::string_view text = buffer_;
    if (line_ == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    try {
      const json_value v = json_value::parse(text, line_);
      if (v.type() != json_value::kind::object) {
        throw parse_error(line_, 0, "a line must hold a JSON object");
      }
      document_record r = to_document_record(v, line_);
      claim_id(r.id, line_);
      out.id = std::move(r.id);
      out.text = std::move(r.text);
      out.title = std::move(r.title);
      out.time = r.time;
      out.source = std::move(r.source);
      out.line = line_;
      offsets_.push_back(offset);
      record_file_.push_back(current_file_);
      return true;
    } catch (const parse_error& e) {
      reject(jsonl_name_ + ": " + e.what());
    }
  }
}

bool document_reader::next_file(input_document& out) {
  while (next_file_ < files_.size()) {
    const std::size_t f = next_file_++;
    const std::string& path = files_[f];
    std::error_code ec;
    bytes_read_ += fs::file_size(path, ec);
    try {
      page_document(path, out.text, out.title, last_check_);
    } catch (const error& e) {
      reject(path + ": " + e.what());
      continue;
    }
    // JSON strings are checked by the parser; raw files are checked here, so
    // the offset is the file's.
    if (!last_check_.ok) {
      reject(path + ": invalid UTF-8 at byte " + std::to_string(last_check_.error_offset) + " (" +
             last_check_.reason + ")");
      continue;
    }
    out.id = fs::path(path).filename().string();
    try {
      current_file_ = static_cast<std::uint32_t>(f);
      claim_id(out.id, 0);
    } catch (const parse_error& e) {
      reject(path + ": " + e.what());
      continue;
    }
    out.time.reset();
    out.source.clear();
    out.line = 0;
    offsets_.push_back(0);
    record_file_.push_back(static_cast<std::uint32_t>(f));
    return true;
  }
  return false;
}

void document_reader::reread(std::size_t index, std::string& text, std::string& title) {
  const std::uint32_t file = record_file_.at(index);
  std::string path;
  if (file != no_file) {
    path = files_.at(file);
    if (!is_jsonl(path)) {
      utf8_check ignored;
      page_document(path, text, title, ignored);
      return;
    }
  } else if (!spool_path_.empty()) {
    path = spool_path_;
  } else if (jsonl_ == &std::cin) {
    throw error(error_code::io, "standard input cannot be read twice");
  } else {
    path = name_;
  }
  std::ifstream again(path, std::ios::binary);
  if (!again) throw error(error_code::io, "cannot open " + path + " again");
  again.seekg(static_cast<std::streamoff>(offsets_.at(index)));
  std::string line;
  if (!std::getline(again, line)) throw error(error_code::io, path + " changed while being read");
  std::string_view body = line;
  if (offsets_[index] == 0 && body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  document_record r = to_document_record(json_value::parse(body), 0);
  text = std::move(r.text);
  title = std::move(r.title);
}

}  // namespace samestory::cli
