#include "video/audio_track.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libswresample/swresample.h>
}

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "impasto/errors.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

struct InputCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct OutputCloser {
  void operator()(AVFormatContext* c) const {
    if (c->pb) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
struct CodecCloser {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct SwrFree {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
struct FifoFree {
  void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};
using Input = std::unique_ptr<AVFormatContext, InputCloser>;
using Output = std::unique_ptr<AVFormatContext, OutputCloser>;
using Codec = std::unique_ptr<AVCodecContext, CodecCloser>;
using Packet = std::unique_ptr<AVPacket, PacketFree>;
using Frame = std::unique_ptr<AVFrame, FrameFree>;

Packet new_packet() { return Packet(av_packet_alloc()); }
Frame new_frame() { return Frame(av_frame_alloc()); }

Input open_input(const std::string& path) {
  AVFormatContext* context = nullptr;
  if (avformat_open_input(&context, path.c_str(), nullptr, nullptr) < 0) return nullptr;
  Input input(context);
  if (avformat_find_stream_info(context, nullptr) < 0) return nullptr;
  return input;
}

void check(int status, const std::string& what) {
  if (status < 0) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(status, text, sizeof text);
    throw InputError(what + ": " + text);
  }
}

// The source's audio packets, ready for the output stream: copied (time stamps rescaled) or decoded,
// resampled and encoded to AAC.
class AudioPackets {
 public:
  AudioPackets(AVFormatContext* source, int source_index, AVFormatContext* output) : source_(source), index_(source_index) {
    AVStream* in = source->streams[source_index];
    stream_ = avformat_new_stream(output, nullptr);
    const bool fits = avformat_query_codec(output->oformat, in->codecpar->codec_id, FF_COMPLIANCE_NORMAL) == 1;
    if (fits) {
      check(avcodec_parameters_copy(stream_->codecpar, in->codecpar), "audio");
      stream_->codecpar->codec_tag = 0;
      stream_->time_base = in->time_base;
      description_ = std::string("copied ") + avcodec_get_name(in->codecpar->codec_id);
    } else {
      open_transcoder(in, output);
      description_ = std::string("encoded ") + avcodec_get_name(in->codecpar->codec_id) + " to aac";
    }
    offset_ = source->start_time == AV_NOPTS_VALUE ? 0 : av_rescale_q(source->start_time, AV_TIME_BASE_Q, in->time_base);
  }
  AVStream* stream() const { return stream_; }
  const std::string& description() const { return description_; }

  // Every packet of the track, in the output stream's time base (call after the header is written).
  std::vector<Packet> all() {
    AVStream* in = source_->streams[index_];
    Packet packet = new_packet();
    while (av_read_frame(source_, packet.get()) >= 0) {
      if (packet->stream_index == index_) {
        if (packet->pts != AV_NOPTS_VALUE) packet->pts -= offset_;
        if (packet->dts != AV_NOPTS_VALUE) packet->dts -= offset_;
        if (encoder_) decode(packet.get());
        else {
          av_packet_rescale_ts(packet.get(), in->time_base, stream_->time_base);
          packet->pos = -1;
          out_.push_back(std::move(packet));
          packet = new_packet();
        }
      }
      av_packet_unref(packet.get());
    }
    if (encoder_) {
      decode(nullptr);
      flush_resampler();
      encode_fifo(true);
      encode(nullptr);
    }
    for (auto& p : out_) p->stream_index = stream_->index;
    return std::move(out_);
  }

 private:
  void open_transcoder(AVStream* in, AVFormatContext* output) {
    const AVCodec* decoder = avcodec_find_decoder(in->codecpar->codec_id);
    const AVCodec* encoder = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!decoder || !encoder) throw InputError("no decoder for the audio codec or no AAC encoder");
    decoder_.reset(avcodec_alloc_context3(decoder));
    check(avcodec_parameters_to_context(decoder_.get(), in->codecpar), "audio decoder");
    decoder_->pkt_timebase = in->time_base;
    check(avcodec_open2(decoder_.get(), decoder, nullptr), "audio decoder");
    encoder_.reset(avcodec_alloc_context3(encoder));
    encoder_->sample_rate = decoder_->sample_rate;
    encoder_->sample_fmt = AV_SAMPLE_FMT_FLTP;
    av_channel_layout_default(&encoder_->ch_layout, std::min(2, decoder_->ch_layout.nb_channels));
    encoder_->bit_rate = 128000;
    encoder_->time_base = AVRational{1, encoder_->sample_rate};
    if (output->oformat->flags & AVFMT_GLOBALHEADER) encoder_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    check(avcodec_open2(encoder_.get(), encoder, nullptr), "AAC encoder");
    check(avcodec_parameters_from_context(stream_->codecpar, encoder_.get()), "AAC encoder");
    stream_->time_base = encoder_->time_base;
    fifo_.reset(av_audio_fifo_alloc(encoder_->sample_fmt, encoder_->ch_layout.nb_channels, 4096));
  }

  void decode(const AVPacket* packet) {
    if (avcodec_send_packet(decoder_.get(), packet) < 0) return;  // a damaged packet: skip it
    Frame frame = new_frame();
    while (avcodec_receive_frame(decoder_.get(), frame.get()) >= 0) {
      resample(frame.get());
      av_frame_unref(frame.get());
    }
  }

  // The resampler is set up from the first decoded frame: its layout can say more than the stream's.
  void resample(const AVFrame* frame) {
    if (!resampler_) {
      if (!frame) return;
      SwrContext* swr = nullptr;
      check(swr_alloc_set_opts2(&swr, &encoder_->ch_layout, encoder_->sample_fmt, encoder_->sample_rate,
                                const_cast<AVChannelLayout*>(&frame->ch_layout), static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0,
                                nullptr),
            "audio resampler");
      resampler_.reset(swr);
      check(swr_init(swr), "audio resampler");
    }
    const int capacity = swr_get_out_samples(resampler_.get(), frame ? frame->nb_samples : 0);
    if (capacity <= 0) return;
    uint8_t** converted = nullptr;
    check(av_samples_alloc_array_and_samples(&converted, nullptr, encoder_->ch_layout.nb_channels, capacity,
                                             encoder_->sample_fmt, 0),
          "audio buffer");
    const int samples = swr_convert(resampler_.get(), converted, capacity,
                                    frame ? const_cast<const uint8_t**>(frame->extended_data) : nullptr,
                                    frame ? frame->nb_samples : 0);
    if (samples > 0) av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(converted), samples);
    av_freep(&converted[0]);
    av_freep(&converted);
    check(samples, "audio resampler");
    encode_fifo(false);
  }

  void flush_resampler() {
    while (resampler_ && swr_get_delay(resampler_.get(), encoder_->sample_rate) > 0) {
      const int before = av_audio_fifo_size(fifo_.get());
      resample(nullptr);
      if (av_audio_fifo_size(fifo_.get()) == before) break;
    }
  }

  // Whole encoder frames from the FIFO; at the end, the rest padded with silence.
  void encode_fifo(bool last) {
    const int size = encoder_->frame_size;
    while (av_audio_fifo_size(fifo_.get()) >= size || (last && av_audio_fifo_size(fifo_.get()) > 0)) {
      Frame frame = new_frame();
      frame->nb_samples = size;
      frame->format = encoder_->sample_fmt;
      frame->sample_rate = encoder_->sample_rate;
      av_channel_layout_copy(&frame->ch_layout, &encoder_->ch_layout);
      check(av_frame_get_buffer(frame.get(), 0), "audio frame");
      av_samples_set_silence(frame->data, 0, size, encoder_->ch_layout.nb_channels, encoder_->sample_fmt);
      av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(frame->data), size);
      frame->pts = next_pts_;
      next_pts_ += size;
      encode(frame.get());
    }
  }

  void encode(const AVFrame* frame) {
    check(avcodec_send_frame(encoder_.get(), frame), "AAC encoder");
    Packet packet = new_packet();
    while (avcodec_receive_packet(encoder_.get(), packet.get()) >= 0) {
      av_packet_rescale_ts(packet.get(), encoder_->time_base, stream_->time_base);
      out_.push_back(std::move(packet));
      packet = new_packet();
    }
  }

  AVFormatContext* source_;
  int index_;
  AVStream* stream_ = nullptr;
  std::string description_;
  int64_t offset_ = 0;
  Codec decoder_, encoder_;
  std::unique_ptr<SwrContext, SwrFree> resampler_;
  std::unique_ptr<AVAudioFifo, FifoFree> fifo_;
  int64_t next_pts_ = 0;
  std::vector<Packet> out_;
};

fs::path temporary_for(const std::string& path) {
  const fs::path p(path);
  return p.parent_path() / ("." + p.stem().string() + ".mux" + std::to_string(::getpid()) + p.extension().string());
}

std::string mux(const std::string& video_only, const std::string& audio_source, const std::string& temporary) {
  Input video = open_input(video_only);
  if (!video) throw InputError("cannot read '" + video_only + "'");
  const int video_index = av_find_best_stream(video.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (video_index < 0) throw InputError("'" + video_only + "' has no video stream");
  Input source = open_input(audio_source);
  const int audio_index =
      source ? av_find_best_stream(source.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0) : AVERROR_STREAM_NOT_FOUND;

  AVFormatContext* context = nullptr;
  check(avformat_alloc_output_context2(&context, nullptr, "mp4", temporary.c_str()), "cannot write '" + temporary + "'");
  Output output(context);
  AVStream* video_in = video->streams[video_index];
  AVStream* video_out = avformat_new_stream(context, nullptr);
  check(avcodec_parameters_copy(video_out->codecpar, video_in->codecpar), "video stream");
  video_out->codecpar->codec_tag = 0;
  video_out->time_base = video_in->time_base;
  std::unique_ptr<AudioPackets> audio;
  if (audio_index >= 0) audio = std::make_unique<AudioPackets>(source.get(), audio_index, context);
  check(avio_open(&context->pb, temporary.c_str(), AVIO_FLAG_WRITE), "cannot write '" + temporary + "'");
  check(avformat_write_header(context, nullptr), "cannot write '" + temporary + "'");

  std::vector<Packet> audio_packets;
  if (audio) audio_packets = audio->all();
  size_t next_audio = 0;
  int64_t video_end = 0;  // in the video's output time base
  Packet packet = new_packet();
  auto write_audio_until = [&](int64_t ts, AVRational time_base) {
    for (; next_audio < audio_packets.size(); ++next_audio) {
      AVPacket* a = audio_packets[next_audio].get();
      if (av_compare_ts(a->dts, audio->stream()->time_base, ts, time_base) > 0) break;
      check(av_interleaved_write_frame(context, a), "cannot write '" + temporary + "'");
    }
  };
  while (av_read_frame(video.get(), packet.get()) >= 0) {
    if (packet->stream_index == video_index) {
      av_packet_rescale_ts(packet.get(), video_in->time_base, video_out->time_base);
      packet->stream_index = video_out->index;
      packet->pos = -1;
      if (audio) write_audio_until(packet->dts, video_out->time_base);
      video_end = std::max(video_end, packet->pts + packet->duration);
      check(av_interleaved_write_frame(context, packet.get()), "cannot write '" + temporary + "'");
    }
    av_packet_unref(packet.get());
  }
  if (audio) write_audio_until(video_end, video_out->time_base);  // the audio stops with the video
  check(av_write_trailer(context), "cannot write '" + temporary + "'");
  return audio ? audio->description() : "none";
}

}  // namespace

std::string mux_with_audio(const std::string& video_only, const std::string& audio_source, const std::string& output) {
  av_log_set_level(AV_LOG_ERROR);
  const fs::path temporary = temporary_for(output);
  std::string description;
  try {
    description = mux(video_only, audio_source, temporary.string());
  } catch (...) {
    std::error_code error;
    fs::remove(temporary, error);
    throw;
  }
  std::error_code error;
  fs::rename(temporary, output, error);
  if (error) {
    fs::remove(temporary, error);
    throw InputError("cannot write '" + output + "': " + error.message());
  }
  return description;
}

}  // namespace impasto
