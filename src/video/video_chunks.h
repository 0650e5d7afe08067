#pragma once
// A clip painted in chunks of consecutive frames (impasto video --slurm: one array task each), and
// the clip put back together from them.
#include <string>
#include <vector>

#include "impasto/video.h"

namespace impasto {

struct VideoChunk {
  int index = 0;
  int first = 0;      // the first frame it paints (from 0): up to `overlap` frames before its own
  int own_first = 0;  // its own frames are [own_first, end)
  int end = 0;        // one past its last frame
};

// Where each chunk's own frames start: about every `chunk_frames` frames, each start moved by up to
// a quarter chunk to where the clip moves least across the `overlap` + 1 frame pairs its crossfade
// spans (a seam in a calm stretch shows least). motion[t]: how much frame t differs from frame t - 1.
std::vector<int> chunk_starts(const std::vector<double>& motion, int chunk_frames, int overlap);
// Every `chunk_frames` frames, for a clip of `frames` frames.
std::vector<int> regular_chunk_starts(int frames, int chunk_frames);
// How much each frame of the clip differs from the one before (0 for the first): the mean absolute
// difference of small grey copies. Decodes every frame (at most `max_frames`; 0: all).
std::vector<double> clip_motion(const std::string& path, int max_frames);

// Chunk `index` of a clip whose chunks start at `starts`, each painting `overlap` frames before its
// own (to be crossfaded with the chunk before). frames: the clip's length; 0 when not known (the
// last chunk then runs to the end of the clip).
VideoChunk video_chunk(int index, const std::vector<int>& starts, int overlap, int frames);
std::vector<VideoChunk> video_chunks(const std::vector<int>& starts, int overlap, int frames);

// The options that paint `chunk` of the clip into `folder`, writing no video.
VideoOptions chunk_options(const VideoOptions& clip, const VideoChunk& chunk, const std::string& folder);
// Whether `folder` holds `chunk`, finished, painted with these options.
bool chunk_finished(const VideoOptions& clip, const VideoChunk& chunk, const std::string& folder);

// Reads each chunk's frames (chunks[k] painted into folders[k] with chunk_options), crossfades every
// overlap (the later chunk's share rising linearly across it), writes clip.frame.output with the
// source's audio (and clip.frame.report), and measures the flicker of the written clip and at each
// boundary. Throws InputError when a chunk is missing, unfinished or painted with other options.
VideoResult assemble_video_chunks(const VideoOptions& clip, const std::vector<VideoChunk>& chunks,
                                  const std::vector<std::string>& folders);

}  // namespace impasto
