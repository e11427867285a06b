export { bwrapMountArgs, planMounts, type Mount, type MountPlanInput } from './mountPlan.js';
export {
  HOME_ACCESS,
  Sandbox,
  type HomeAccess,
  type LaunchCommand,
  type Launcher,
  type LaunchSpec,
  type ProcessSpec,
  type SandboxSettings,
} from './Sandbox.js';
