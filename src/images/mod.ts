/**
 * Images leash builds itself, without any registry: the Debian base (debootstrap, `leash
 * image base`) and the agent images on top of it (`leash image build AGENT`).
 */
export {
  AGENT_RECIPE,
  DEBIAN_RECIPE,
  type DebianImageOptions,
  debianImageTag,
  type DebianRecipe,
  ensureDebianImage,
} from "./debian.ts";
export {
  AGENT_IMAGE_PREFIX,
  AGENT_LABEL,
  agentDockerfile,
  agentImageTag,
  type AgentRecipe,
  type PackageSource,
} from "./agent_recipe.ts";
export {
  type AgentImage,
  type AgentImageOptions,
  agentImageRecipe,
  ensureAgentImage,
} from "./agent_image.ts";
