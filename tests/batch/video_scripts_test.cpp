#include "batch/video_scripts.h"

#include <gtest/gtest.h>

#include "impasto/errors.h"

namespace impasto::batch {
namespace {

VideoScripts example() {
  VideoScripts s;
  s.workdir = "/home/me/project";
  s.impasto = "/opt/impasto/bin/impasto";
  s.folder = "clip.mp4.slurm";
  s.logs = "clip.mp4.slurm/batch/logs";
  s.output = "clip.mp4";
  s.arguments = {"--content", "my clip.mp4", "--style", "starry.jpg", "--output", "clip.mp4", "--size", "256"};
  s.frames = 250;
  s.chunk_frames = 100;
  s.chunk_overlap = 5;
  s.chunk_starts = {0, 97, 205};
  s.tasks = {0, 2};
  s.cpus_per_task = 8;
  return s;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

void expect_every_directive_explained(const std::string& text) {
  for (size_t at = text.find("\n#SBATCH"); at != std::string::npos; at = text.find("\n#SBATCH", at + 1)) {
    const size_t previous = text.rfind('\n', at - 1);
    EXPECT_EQ(text.compare(previous + 1, 2, "# "), 0)
        << text.substr(previous + 1, at - previous);
  }
}

TEST(VideoSbatchScripts, AnArrayOfTheChunksLeftThatRepeatsTheCommand) {
  const std::string text = video_chunks_script(example());
  EXPECT_EQ(text.rfind("#!/bin/bash\n", 0), 0u);
  EXPECT_NE(text.find("250 frames painted in 3 chunks of about 100 frames"), std::string::npos) << text;
  EXPECT_TRUE(has_line(text, "#SBATCH --array=0,2")) << text;
  EXPECT_TRUE(has_line(text, "#SBATCH --chdir=/home/me/project")) << text;
  EXPECT_TRUE(has_line(text, "#SBATCH --output=clip.mp4.slurm/batch/logs/%A_%a.log")) << text;
  EXPECT_TRUE(has_line(text, "#SBATCH --cpus-per-task=8")) << text;
  EXPECT_TRUE(has_line(text, "#SBATCH --requeue")) << text;
  EXPECT_EQ(text.find("--gres"), std::string::npos);
  EXPECT_TRUE(has_line(text, "    --content 'my clip.mp4' \\")) << text;
  EXPECT_TRUE(has_line(text, "    --chunk-frames 100 --chunk-overlap 5 \\")) << text;
  EXPECT_TRUE(has_line(text, "    --chunk-starts 0,97,205 \\")) << text;
  EXPECT_TRUE(has_line(text, "    --run-chunk \"$SLURM_ARRAY_TASK_ID\" --threads \"${SLURM_CPUS_PER_TASK:-8}\"")) << text;
  expect_every_directive_explained(text);
}

TEST(VideoSbatchScripts, TheAssemblyIsOneSmallJobWithoutGpus) {
  VideoScripts s = example();
  s.gpus_per_task = 1;
  s.sbatch_args = {"--partition=gpu"};
  const std::string chunks = video_chunks_script(s), assembly = video_assembly_script(s);
  EXPECT_TRUE(has_line(chunks, "#SBATCH --gres=gpu:1")) << chunks;
  EXPECT_EQ(assembly.find("--array"), std::string::npos) << assembly;
  EXPECT_EQ(assembly.find("--gres"), std::string::npos) << assembly;
  EXPECT_TRUE(has_line(assembly, "#SBATCH --cpus-per-task=1")) << assembly;
  EXPECT_TRUE(has_line(assembly, "#SBATCH --partition=gpu")) << assembly;
  EXPECT_TRUE(has_line(assembly, "    --assemble-chunks --clip-frames 250")) << assembly;
  EXPECT_NE(assembly.find("sbatch --dependency=afterok:$id clip.mp4.slurm/batch/impasto-video-assemble.sbatch"),
            std::string::npos)
      << assembly;
  s.sbatch_args = {"partition=gpu"};
  EXPECT_THROW(video_chunks_script(s), InputError);
}

}  // namespace
}  // namespace impasto::batch
