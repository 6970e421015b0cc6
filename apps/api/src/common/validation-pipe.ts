import { type ArgumentMetadata, type Type, ValidationPipe, type ValidationPipeOptions } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { validationProblem } from '../problem/validation-problem';
import { onlyOptionalGuids, type OptionalGuidClass, validOptionalGuids } from './validation';

/**
 * How every parameter is validated: made an instance of its class with only the validated
 * properties, stopping at the first broken rule, which becomes the catalogue's problem.
 */
export const VALIDATION_OPTIONS: Readonly<ValidationPipeOptions> = {
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: false,
  stopAtFirstError: true,
  exceptionFactory: validationProblem,
};

/**
 * Nest's ValidationPipe, with a short way for the parameter objects made only of optional GUIDs
 * (the summary's query): when every one is valid, the object is made directly, without
 * class-transformer and class-validator, which cost more than the summary's query. Anything
 * else, and every invalid value, goes through ValidationPipe itself, so its answers (the
 * problems) are its own. The two ways make the same objects (validation-pipe.spec.ts).
 */
export class ShortcutValidationPipe extends ValidationPipe {
  /** Per class: its properties when it takes the short way, null when it does not. */
  private readonly shortcuts = new Map<Type, string[] | null>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype } = metadata;
    // Only where the pipe itself would make an instance with only the validated properties.
    if (
      metatype !== undefined &&
      metadata.type !== 'custom' &&
      this.isTransformEnabled &&
      this.validatorOptions.whitelist
    ) {
      const properties = this.shortcutOf(metatype);
      const made = properties && validOptionalGuids(metatype as OptionalGuidClass, properties, value);
      if (made) return made;
    }
    return super.transform(value, metadata);
  }

  private shortcutOf(metatype: Type): string[] | null {
    let properties = this.shortcuts.get(metatype);
    if (properties === undefined) {
      const validated = getMetadataStorage().getTargetValidationMetadatas(metatype, '', false, false);
      properties = onlyOptionalGuids(validated) ?? null;
      this.shortcuts.set(metatype, properties);
    }
    return properties;
  }
}
