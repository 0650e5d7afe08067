#include "batch/sbatch_script.h"

#include <gtest/gtest.h>

#include "impasto/errors.h"

namespace impasto::batch {
namespace {

SlurmScript example() {
  SlurmScript s;
  s.workdir = "/home/me/project";
  s.impasto = "/opt/impasto/bin/impasto";
  s.out = "out";
  s.manifest = "out/batch/jobs.txt";
  s.logs = "out/batch/logs";
  s.jobs = 12;
  s.jobs_per_task = 4;
  s.tasks = {0, 1, 2};
  s.cpus_per_task = 2;
  return s;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(BatchSbatchScript, ArrayOfChunksWithEveryDirectiveExplained) {
  const std::string text = sbatch_script(example());
  EXPECT_EQ(text.rfind("#!/bin/bash\n", 0), 0u);
  EXPECT_TRUE(has_line(text, "#SBATCH --array=0-2")) << text;
  EXPECT_TRUE(has_line(text, "#SBATCH --chdir=/home/me/project")) << text;
  EXPECT_TRUE(has_line(text, "#SBATCH --output=out/batch/logs/%A_%a.log")) << text;
  EXPECT_TRUE(has_line(text, "#SBATCH --cpus-per-task=2")) << text;
  EXPECT_TRUE(has_line(text, "#SBATCH --requeue")) << text;
  EXPECT_EQ(text.find("--gres"), std::string::npos) << "no GPUs were asked for";
  EXPECT_NE(text.find("12 stylize jobs in 3 array tasks of up to 4 jobs"), std::string::npos) << text;
  EXPECT_TRUE(has_line(text, "exec /opt/impasto/bin/impasto batch --manifest out/batch/jobs.txt --output out \\")) << text;
  EXPECT_TRUE(has_line(text, "    --run-chunk \"$SLURM_ARRAY_TASK_ID\" --jobs-per-task 4 --threads "
                             "\"${SLURM_CPUS_PER_TASK:-2}\"")) << text;
  // Every #SBATCH line has a comment line above it (the first follows the header).
  size_t at = 0;
  while ((at = text.find("\n#SBATCH ", at)) != std::string::npos) {
    const size_t previous = text.rfind('\n', at - 1);
    EXPECT_EQ(text.substr(previous + 1, 2), "# ") << text.substr(previous + 1, at - previous);
    ++at;
  }
}

TEST(BatchSbatchScript, GpusLimitAndPassedArguments) {
  SlurmScript s = example();
  s.tasks = {1, 4, 5};
  s.array_limit = 2;
  s.gpus_per_task = 1;
  s.sbatch_args = {"--partition=gpu", "--time=02:00:00"};
  const std::string text = sbatch_script(s);
  EXPECT_TRUE(has_line(text, "#SBATCH --array=1,4-5%2")) << text;
  EXPECT_TRUE(has_line(text, "#SBATCH --gres=gpu:1")) << text;
  EXPECT_TRUE(has_line(text, "#SBATCH --partition=gpu")) << text;
  EXPECT_TRUE(has_line(text, "#SBATCH --time=02:00:00")) << text;
  s.sbatch_args = {"partition=gpu"};
  EXPECT_THROW(sbatch_script(s), InputError);
}

TEST(BatchSbatchScript, PathsWithSpacesAreQuoted) {
  SlurmScript s = example();
  s.out = "my out";
  s.manifest = "my out/batch/jobs.txt";
  EXPECT_NE(sbatch_script(s).find("--manifest 'my out/batch/jobs.txt' --output 'my out'"), std::string::npos);
}

TEST(BatchSbatchScript, JobIdFromParsableOutput) {
  EXPECT_EQ(parse_job_id("123\n"), "123");
  EXPECT_EQ(parse_job_id("sbatch: warning: something\n4567;cluster\n"), "4567");
  EXPECT_EQ(parse_job_id("sbatch: error: Batch job submission failed\n"), "");
}

}  // namespace
}  // namespace impasto::batch
