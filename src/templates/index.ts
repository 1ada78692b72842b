/** Templates and sharing: the template format and loaders, share links and files. */
export {
  forkTemplate,
  parseTemplate,
  searchTemplates,
  sortTemplates,
  TEMPLATE_KINDS,
  type Template,
  type TemplateMeta,
  type TemplateResult,
  templateFromText,
  templateKind,
} from './template.ts';
