#include "batch/video_scripts.h"

#include <sstream>

#include "batch/job_list.h"
#include "batch/sbatch_script.h"

namespace impasto::batch {
namespace {

// `impasto video` with the given options and these extra words, one option a line.
std::string command_lines(const VideoScripts& s, const std::string& extra) {
  std::ostringstream out;
  out << "exec " << quote_word(s.impasto) << " video";
  for (size_t i = 0; i < s.arguments.size(); ++i) {
    const bool option = s.arguments[i].rfind("-", 0) == 0;
    out << (option ? " \\\n    " : " ") << quote_word(s.arguments[i]);
  }
  out << " \\\n    --chunk-frames " << s.chunk_frames << " --chunk-overlap " << s.chunk_overlap << " \\\n    --chunk-starts ";
  for (size_t k = 0; k < s.chunk_starts.size(); ++k) out << (k ? "," : "") << s.chunk_starts[k];
  out << " \\\n    " << extra << "\n";
  return out.str();
}

std::string intro(const VideoScripts& s) {
  const size_t chunks = s.chunk_starts.size();
  std::ostringstream out;
  out << "#!/bin/bash\n"
      << "# Impasto video on Slurm: " << s.output << ", " << s.frames << " frames painted in " << chunks
      << " chunks of about " << s.chunk_frames << " frames\n"
      << "# (--chunk-starts: each moved to where the clip moves least), each chunk starting " << s.chunk_overlap
      << " frames\n# early so that the assembly can crossfade it into the chunk before.\n"
      << "# Written by `impasto video --slurm`, which submits " << s.chunks_script() << "\n"
      << "# and then " << s.assembly_script() << " with --dependency=afterok:<the first job's id>.\n"
      << "# By hand: id=$(sbatch --parsable " << s.chunks_script() << ")\n"
      << "#          sbatch --dependency=afterok:$id " << s.assembly_script() << "\n"
      << "# Chunk K's frames go to " << s.folder << "/chunk_K (renamed from chunk_K.part when all are painted);\n"
      << "# a finished chunk is never painted again, and running the same `impasto video --slurm` command\n"
      << "# again submits only the chunks that are missing. Logs: " << s.logs << ".\n"
      << "#\n";
  return out.str();
}

}  // namespace

std::string video_chunks_script(const VideoScripts& s) {
  std::ostringstream out;
  out << intro(s) << "# The name squeue shows.\n"
      << "#SBATCH --job-name=impasto-video\n"
      << "# The chunks to paint" << (s.array_limit > 0 ? "; %N: at most N at once" : "") << ".\n"
      << "#SBATCH --array=" << array_spec(s.tasks, s.array_limit) << "\n"
      << "# One log per chunk (%A: the array's job id, %a: the chunk).\n"
      << "#SBATCH --output=" << s.logs << "/%A_%a.log\n"
      << "# A preempted task, or one whose node failed, is queued again; it continues after the frames it finished.\n"
      << "#SBATCH --requeue\n"
      << resource_lines(s.workdir, s.cpus_per_task, s.gpus_per_task, s.sbatch_args) << "\n"
      << "# Paints this task's chunk. On scancel or preemption Slurm sends SIGTERM: the frame in progress\n"
      << "# is dropped, the finished ones are kept. Exit status: 0 painted, 3 failed (the error is in\n"
      << "# " << s.folder << "/failed.json), 143 interrupted.\n"
      << command_lines(s, "--run-chunk \"$SLURM_ARRAY_TASK_ID\" --threads \"${SLURM_CPUS_PER_TASK:-" +
                              std::to_string(s.cpus_per_task) + "}\"");
  return out.str();
}

std::string video_assembly_script(const VideoScripts& s) {
  std::ostringstream out;
  out << intro(s) << "# The name squeue shows.\n"
      << "#SBATCH --job-name=impasto-video-assemble\n"
      << "# The log (%j: the job id).\n"
      << "#SBATCH --output=" << s.logs << "/assemble_%j.log\n"
      << "# Queued again when preempted: it only reads the chunks and writes the video.\n"
      << "#SBATCH --requeue\n"
      << resource_lines(s.workdir, 1, 0, s.sbatch_args) << "\n"
      << "# Crossfades the chunks' overlaps, measures the flicker (--report), writes the video with the\n"
      << "# source's sound, then removes the chunks' frames unless --frames-dir keeps them.\n"
      << command_lines(s, "--assemble-chunks --clip-frames " + std::to_string(s.frames));
  return out.str();
}

}  // namespace impasto::batch
