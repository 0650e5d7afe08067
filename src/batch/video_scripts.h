#pragma once
// The two sbatch scripts of a clip painted on Slurm (impasto video --slurm): a job array whose task K
// paints chunk K of the clip, and the assembly job that runs after it (afterok) and writes the video.
#include <string>
#include <vector>

namespace impasto::batch {

struct VideoScripts {
  std::string workdir;                  // absolute: where the command ran (its paths are relative to it)
  std::string impasto;                  // absolute path of the impasto binary
  std::string folder;                   // the clip's work folder: chunk frames, scripts, logs
  std::string logs;
  std::string output;                   // the video written at the end
  std::vector<std::string> arguments;   // the `impasto video` options as given, less the Slurm ones
  int frames = 0, chunk_frames = 0, chunk_overlap = 0;
  std::vector<int> chunk_starts;        // where each chunk's own frames start
  std::vector<int> tasks;               // the chunks to paint
  int array_limit = 0;                  // %N: at most N tasks at once; 0: no limit
  int cpus_per_task = 1;
  int gpus_per_task = 0;
  std::vector<std::string> sbatch_args;
  std::string chunks_script() const { return folder + "/batch/impasto-video.sbatch"; }
  std::string assembly_script() const { return folder + "/batch/impasto-video-assemble.sbatch"; }
};

// Readable scripts: what they run, why each #SBATCH line is there, how to submit them by hand.
// Throw InputError for an --sbatch-arg that does not start with '-'.
std::string video_chunks_script(const VideoScripts& scripts);
std::string video_assembly_script(const VideoScripts& scripts);

}  // namespace impasto::batch
